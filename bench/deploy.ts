/**
 * Deploy benchmark: how long an operator waits, redis-ha through the `pulumi` CLI beside seed 004's
 * Ansible role (bench/seed004/, as the article wrote it), on the same lab hosts, one after the other.
 * For 3, 12 and 30 hosts (clusters of three: one master, two replicas, a sentinel on each host, as
 * the role deploys them; 30 hosts are ten clusters in one stack, as a user's own stack composes
 * them): a fresh converge on clean hosts, a second run with nothing changed, and a preview; then
 * previews of 3 and 100 hosts (nothing contacted). Every run is timed around the command a user
 * types; each host's sshd journal gives the SSH logins per host. The other goals of issue 12 (the
 * write gap of a rolling restart, failover after a kill) come from bench/results/faults.json.
 *
 *   npm run bench                               # (bash bench/run.sh deploy) toolchain, lab image, this benchmark, the README table
 *   BENCH_SIZES=3 BENCH_REPEATS=2 npm run bench # fewer (BENCH_REPEATS: one count, or one per size; default 2,1,1)
 *
 * Writes bench/results/deploy.json, from which bench/readmeTable.ts writes the README's Performance
 * table. Needs the nodejs language host (the CLI runs the compiled program); redis-ha runs on the
 * `command` executor when its plugin is installed (REDIS_HA_EXECUTOR overrides), else `dynamic`.
 */
import { measuredCommit } from "./commit";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawn, spawnSync } from "child_process";
import * as yaml from "js-yaml";
import { createTestLab, languageHostInstalled, onHost } from "../tests/e2e/labHarness";
import { ROOT, CACHE, Sandbox, detectExecutor, engineEnv, labHostKeys } from "../lab/automation";
import { clusterProblems } from "../lab/clusterHealth";
import { FaultBenchmark, RESULTS_FILE as FAULTS_FILE, Spread } from "./faults";

export const DEPLOY_RESULTS_FILE = path.join(__dirname, "results", "deploy.json");
const ANSIBLE_CORE = "ansible-core==2.17.7";
const ROLE_DIR = path.join(__dirname, "seed004");

/** One tool's figures for one lab size, over the repeats. */
export interface ToolFigures {
    /** Seconds of a fresh converge on clean hosts. */
    fresh: Spread;
    /** Seconds of a second run with nothing changed. */
    noop: Spread;
    /** What the second runs changed, per run (redis-ha: resources not unchanged; the role: tasks `changed`). */
    noopChanges: number[];
    /** SSH logins per host: in a fresh converge, and in a second run (min / median / max over hosts and repeats). */
    freshSshLoginsPerHost: Spread;
    noopSshLoginsPerHost: Spread;
    /** Whether every cluster worked after each fresh converge, and what did not. */
    healthy: boolean[];
    problems: string[];
}

export interface SizeResult {
    hosts: number;
    clusters: number;
    repeats: number;
    redisHa: ToolFigures & {
        /** A second `pulumi up --yes` with nothing changed, with the preview `pulumi up` runs first unless --skip-preview. */
        noopWithPreview?: Spread;
        /** `pulumi preview` of the deployed stack. */
        preview: Spread;
        /** Bytes of the deployed stack's state per host after the fresh converge, as the backend stores it (stateBytesPerHost). */
        stateBytesPerHost?: Spread;
    };
    ansible: ToolFigures;
}

export interface Goal {
    goal: string;
    target: string;
    measured: string;
    met: boolean;
}

export interface DeployBenchmark {
    date: string;
    /** The commit measured (`git describe --always --dirty`); absent in results written before it was recorded. */
    commit?: string;
    machine: string;
    pulumi: string;
    executor: string;
    ansible: string;
    /** The Pulumi command timed as "fresh" and "no-op". */
    pulumiCommand: string;
    sizes: SizeResult[];
    /** `pulumi preview` of a stack of N hosts that was never deployed (no host contacted). */
    previewScale: Array<{ hosts: number; clusters: number; seconds: Spread }>;
    goals: Goal[];
}

export function spread(values: number[]): Spread {
    const s = [...values].sort((a, b) => a - b);
    if (s.length === 0) return { min: NaN, median: NaN, max: NaN };
    const mid = Math.floor(s.length / 2);
    const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
    return { min: round(s[0]!), median: round(median), max: round(s[s.length - 1]!) };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Hosts in clusters of three; a remainder of one or two joins the last cluster. */
export function clustersOf<T>(hosts: T[], size = 3): T[][] {
    const groups: T[][] = [];
    for (let i = 0; i + size <= hosts.length; i += size) groups.push(hosts.slice(i, i + size));
    const rest = hosts.slice(groups.length * size);
    if (rest.length > 0) {
        if (groups.length === 0) groups.push(rest);
        else groups[groups.length - 1]!.push(...rest);
    }
    return groups;
}

/** BENCH_REPEATS: one count for every size, or one per size (the last repeated for sizes beyond the list). */
export function repeatsPerSize(sizes: number[], spec: string): number[] {
    const counts = spec.split(",").map((c) => Number(c.trim()));
    if (counts.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`BENCH_REPEATS=${spec}: give counts of 1 or more, one for all sizes or one per size`);
    return sizes.map((_, i) => counts[Math.min(i, counts.length - 1)]!);
}

/** What a `pulumi up` or `preview` summary says changed: every resource count but "unchanged". */
export function pulumiChanges(output: string): number {
    const summary = output.slice(output.lastIndexOf("Resources:"));
    let changes = 0;
    for (const m of summary.matchAll(/^\s+[+~\-±]*\s*(\d+) (created|updated|deleted|replaced|to create|to update|to delete|to replace|errored)\b/gm)) changes += Number(m[1]);
    return changes;
}

/** Sum of `changed=` over the hosts of an ansible-playbook recap. */
export function ansibleChanged(output: string): number {
    return [...output.matchAll(/^\S+\s*:\s*ok=\d+\s+changed=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/**
 * Bytes of state per host: the deployment as the backend stores it (compact JSON, as in the
 * checkpoint file), from `pulumi stack export`'s indented text.
 */
export function stateBytesPerHost(exported: string, hostCount: number): number {
    const { deployment } = JSON.parse(exported) as { deployment: unknown };
    return Math.round(Buffer.byteLength(JSON.stringify(deployment), "utf8") / hostCount);
}

/** The goals of issues 12 and 22, judged from the figures (ratios of medians, measured side by side). */
export function judgeGoals(sizes: SizeResult[], previewScale: DeployBenchmark["previewScale"], faults: FaultBenchmark | undefined): Goal[] {
    const goals: Goal[] = [];
    const size = (n: number) => sizes.find((s) => s.hosts === n);
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const three = size(3);
    if (three) {
        const r = ratio(three.redisHa.fresh.median, three.ansible.fresh.median);
        goals.push({
            goal: "fresh converge of 3 hosts, healthy, against the role",
            target: "≤ 0.7×",
            measured: `${r}× (${three.redisHa.fresh.median} s vs ${three.ansible.fresh.median} s); healthy ${three.redisHa.healthy.every(Boolean) ? "every time" : "not every time"} (the role's cluster: ${three.ansible.healthy.every((h) => !h) ? "never" : "sometimes"})`,
            met: r <= 0.7 && three.redisHa.healthy.every(Boolean),
        });
        const n = ratio(three.redisHa.noop.median, three.ansible.noop.median);
        const logins = three.redisHa.noopSshLoginsPerHost.max;
        goals.push({
            goal: "no-op `pulumi up` against the role's second run, with 0 remote commands",
            target: "≤ 0.3×, 0 SSH logins",
            measured: `${n}× (${three.redisHa.noop.median} s vs ${three.ansible.noop.median} s); ${logins} SSH logins per host at most; changes ${three.redisHa.noopChanges.join(", ")}`,
            met: n <= 0.3 && logins === 0,
        });
    }
    const state = three?.redisHa.stateBytesPerHost;
    if (state) {
        goals.push({
            goal: "state per host (the stored checkpoint, 3 hosts)",
            target: "≤ 15 KB",
            measured: `${Math.round(state.median / 100) / 10} KB (${state.median} bytes)`,
            met: state.median <= 15_000,
        });
    }
    const thirty = size(30);
    if (three && thirty) {
        const r = ratio(thirty.redisHa.fresh.median, three.redisHa.fresh.median);
        goals.push({ goal: "fresh converge of 30 hosts against 3", target: "≤ 2×", measured: `${r}× (${thirty.redisHa.fresh.median} s vs ${three.redisHa.fresh.median} s)`, met: r <= 2 });
    }
    const p3 = previewScale.find((p) => p.hosts === 3);
    const p100 = previewScale.find((p) => p.hosts === 100);
    if (p3 && p100) {
        const r = ratio(p100.seconds.median, p3.seconds.median);
        goals.push({ goal: "preview of 100 hosts against 3", target: "≤ 1.5×", measured: `${r}× (${p100.seconds.median} s vs ${p3.seconds.median} s)`, met: r <= 1.5 });
    }
    if (faults) {
        const rolling = faults.scenarios.find((s) => s.scenario === "rolling-change" && s.waitReplicas === 1);
        if (rolling) {
            goals.push({
                goal: "rolling restart: longest client write gap (bench/results/faults.json, WAIT 1)",
                target: "≤ 1 s",
                measured: `${rolling.writeGapSeconds.min} / ${rolling.writeGapSeconds.median} / ${rolling.writeGapSeconds.max} s over ${rolling.trials} trials`,
                met: rolling.writeGapSeconds.max <= 1,
            });
        }
        const killed = faults.scenarios.find((s) => s.scenario === "master-killed" && s.waitReplicas === 1);
        const downAfter = faults.durability["redis-ha:sentinel"].downAfterMilliseconds / 1000;
        if (killed?.failoverSeconds) {
            goals.push({
                goal: "failover after a master kill (bench/results/faults.json, WAIT 1)",
                target: `≤ down-after + 2 s = ${downAfter + 2} s`,
                measured: `${killed.failoverSeconds.min} / ${killed.failoverSeconds.median} / ${killed.failoverSeconds.max} s over ${killed.trials} trials`,
                met: killed.failoverSeconds.max <= downAfter + 2,
            });
        }
    }
    return goals;
}

// --- running things -------------------------------------------------------------------------------

interface Timed {
    seconds: number;
    status: number | null;
    output: string;
}

function timed(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Timed {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { cwd: opts.cwd, env: opts.env, input: opts.input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const seconds = round(Number(process.hrtime.bigint() - start) / 1e9);
    return { seconds, status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function must(what: string, r: Timed): Timed {
    if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.output.slice(-4000)}`);
    return r;
}

/** Runs `script` on every container at once (docker exec), failing with the first error. */
async function onEvery(containers: string[], script: string): Promise<string[]> {
    return Promise.all(
        containers.map(
            (c) =>
                new Promise<string>((resolve, reject) => {
                    const child = spawn("docker", ["exec", c, "bash", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
                    let out = "";
                    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
                    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
                    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${c}: exit ${code}: ${out}`))));
                }),
        ),
    );
}

/** SSH logins (sshd's "Accepted publickey") per container since `since` (epoch seconds). */
async function sshLogins(containers: string[], since: number): Promise<number[]> {
    const out = await onEvery(containers, `journalctl -u ssh.service --since @${since} -o cat --no-pager | grep -c 'Accepted publickey' || true`);
    return out.map((o) => Number(o.trim()) || 0);
}

/** Leaves the hosts as the lab made them: no unit, file or directory of redis-ha or of the role. */
const CLEAN_HOSTS = `
for u in $(systemctl list-unit-files --no-legend 'redis-ha-*' 'redis-cluster.service' 'redis-sentinel.service' | awk '{print $1}'); do systemctl disable --now "$u" >/dev/null 2>&1 || true; done
rm -f /etc/systemd/system/redis-ha-* /etc/systemd/system/redis-cluster.service /etc/systemd/system/redis-sentinel.service /etc/sysctl.d/60-redis-ha-*
rm -rf /etc/redis-ha /var/lib/redis-ha /var/log/redis-ha /etc/redis-cluster /var/log/redis-cluster /var/lib/redis-cluster /run/redis-cluster
systemctl daemon-reload; systemctl reset-failed >/dev/null 2>&1 || true
! ss -Hltn | grep -qE ':(6389|26389) '`;

/** The next whole second, once it has begun: journald's `--since` counts in seconds, so a second run's logins start there, clear of the first run's. */
async function nextSecond(): Promise<number> {
    const next = Math.floor(Date.now() / 1000) + 1;
    await new Promise((res) => setTimeout(res, 1000));
    return next;
}

const SETTLE_SECONDS = 2;
const settle = () => new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));

// --- Ansible --------------------------------------------------------------------------------------

/** ansible-playbook from PyPI, in a virtualenv under the cache (once). */
function ensureAnsible(): { bin: string; version: string } {
    const venv = path.join(CACHE, "bench", "ansible");
    const bin = path.join(venv, "bin", "ansible-playbook");
    if (!fs.existsSync(bin)) {
        console.log(`[bench] installing ${ANSIBLE_CORE} into ${venv} (PyPI)`);
        execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
        execFileSync(path.join(venv, "bin", "pip"), ["install", "--quiet", ANSIBLE_CORE], { stdio: "inherit" });
    }
    const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).split("\n")[0] ?? "";
    return { bin, version };
}

interface LabHostInfo {
    name: string;
    address: string;
    container: string;
}

/** The role's inventory: per cluster, `<group>-backend-console` (master) and `<group>-backend-app<i>`. */
export function ansibleInventory(groups: Array<Array<{ address: string }>>, keyFile: string, knownHosts: string): string {
    const lines: string[] = [];
    groups.forEach((hosts, g) => {
        const group = `g${g + 1}`;
        lines.push(`[${group}]`);
        hosts.forEach((h, i) => lines.push(`${group}-${i === 0 ? "backend-console" : `backend-app${i}`} ansible_host=${h.address}`));
        lines.push(`[${group}:vars]`, `redis_cluster_master_host=${hosts[0]!.address}`, `redis_cluster_name=redis-${group}-cluster`, "");
    });
    lines.push(
        "[all:vars]",
        "ansible_user=root",
        `ansible_ssh_private_key_file=${keyFile}`,
        `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes'`,
        "ansible_python_interpreter=/usr/bin/python3",
    );
    return `${lines.join("\n")}\n`;
}

/** The role's cluster works when each master has its replicas linked and each sentinel sees them and the other sentinels. */
function roleClusterProblems(groups: LabHostInfo[][]): string[] {
    const problems: string[] = [];
    for (const hosts of groups) {
        const [master, ...replicas] = hosts;
        const info = onHost(master!.container, "redis-cli -p 6389 INFO replication 2>&1 || true");
        const connected = /connected_slaves:(\d+)/.exec(info)?.[1];
        if (Number(connected) !== replicas.length) problems.push(`${master!.name}: connected_slaves:${connected ?? "?"} (expected ${replicas.length})`);
        for (const r of replicas) {
            const link = /master_link_status:(\w+)/.exec(onHost(r.container, "redis-cli -p 6389 INFO replication 2>&1 || true"))?.[1];
            if (link !== "up") problems.push(`${r.name}: master_link_status:${link ?? "?"}`);
        }
        for (const h of hosts) {
            const line = /master0:(.*)/.exec(onHost(h.container, "redis-cli -p 26389 INFO sentinel 2>&1 || true"))?.[1] ?? "no answer";
            if (!line.includes(`slaves=${replicas.length},sentinels=${hosts.length}`)) problems.push(`${h.name} sentinel: ${line.trim()}`);
        }
    }
    return problems;
}

async function eventuallyEmpty(check: () => string[] | Promise<string[]>, seconds: number): Promise<string[]> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const problems = await check();
        if (problems.length === 0 || Date.now() > deadline) return problems;
        await new Promise((r) => setTimeout(r, 1000));
    }
}

// --- one lab size ---------------------------------------------------------------------------------

interface Trial {
    fresh: number;
    noop: number;
    noopChanges: number;
    freshLogins: number[];
    noopLogins: number[];
    problems: string[];
    noopWithPreview?: number;
    preview?: number;
    stateBytesPerHost?: number;
}

function figures(trials: Trial[]): ToolFigures {
    return {
        fresh: spread(trials.map((t) => t.fresh)),
        noop: spread(trials.map((t) => t.noop)),
        noopChanges: trials.map((t) => t.noopChanges),
        freshSshLoginsPerHost: spread(trials.flatMap((t) => t.freshLogins)),
        noopSshLoginsPerHost: spread(trials.flatMap((t) => t.noopLogins)),
        healthy: trials.map((t) => t.problems.length === 0),
        problems: [...new Set(trials.flatMap((t) => t.problems))].slice(0, 10),
    };
}

/** A CLI project in a temporary directory: the fleet program (compiled), its own backend. */
function fleetProject(sandbox: Sandbox): { dir: string; env: NodeJS.ProcessEnv } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rh-bench-fleet-"));
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        yaml.dump({ name: "redis-ha-bench-fleet", runtime: { name: "nodejs", options: { typescript: false } }, main: path.join(ROOT, "bin", "bench", "fleet", "index.js") }),
    );
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.mkdirSync(path.join(dir, ".state"));
    return { dir, env: { ...process.env, ...engineEnv(sandbox), PULUMI_BACKEND_URL: `file://${path.join(dir, ".state")}` } };
}

function pulumiIn(project: { dir: string; env: NodeJS.ProcessEnv }) {
    return (args: string[], input?: string) => timed("pulumi", [...args, "--non-interactive", "--cwd", project.dir], { env: project.env, input });
}

function stackFor(
    pulumi: ReturnType<typeof pulumiIn>,
    project: { dir: string },
    stack: string,
    clusters: Array<{ name: string; hosts: Array<{ name: string; address: string; hostKey: string }> }>,
    keyPath: string,
    password: string,
): void {
    must("pulumi stack init", pulumi(["stack", "init", stack]));
    fs.writeFileSync(
        path.join(project.dir, `Pulumi.${stack}.yaml`),
        yaml.dump({ config: { "fleet:clusters": clusters, "fleet:sshPrivateKeyPath": keyPath, "fleet:executor": detectExecutor() } }),
    );
    must("pulumi config set --secret", pulumi(["config", "set", "--secret", "-s", stack, "fleet:password"], password));
}

/**
 * systemd in each lab host holds about 7 inotify instances of the machine's root user (every
 * container shares that limit): the default 128 stops a 30-host lab from booting (its `.path` units
 * fail and hosts stay "initializing"). Raised for the benchmark's labs, never lowered.
 */
function ensureInotifyInstances(hostCount: number): void {
    const key = "/proc/sys/fs/inotify/max_user_instances";
    const want = 128 + 16 * hostCount;
    const have = Number(fs.readFileSync(key, "utf8").trim());
    if (have >= want) return;
    console.log(`[bench] raising fs.inotify.max_user_instances from ${have} to ${want} for a lab of ${hostCount} hosts`);
    fs.writeFileSync(key, `${want}\n`);
}

async function benchSize(hostCount: number, index: number, repeats: number, ansible: string): Promise<SizeResult> {
    const name = `rhbd${hostCount}`;
    ensureInotifyInstances(hostCount);
    console.log(`[bench] ${hostCount} hosts: creating the lab ${name}`);
    const lab = await createTestLab(name, `10.177.${110 + index}`, hostCount);
    const project = fleetProject(lab.sandbox);
    try {
        const keys = labHostKeys(lab.args);
        const hosts: LabHostInfo[] = lab.hosts.map((h) => ({ name: h.name, address: h.address, container: h.container }));
        const groups = clustersOf(hosts);
        const containers = hosts.map((h) => h.container);
        const clusters = groups.map((g, i) => ({ name: `c${i + 1}`, hosts: g.map((h) => ({ name: h.name, address: h.address, hostKey: keys[h.name]! })) }));
        const knownHosts = path.join(project.dir, "known_hosts");
        fs.writeFileSync(knownHosts, hosts.map((h) => `${h.address} ${keys[h.name]!.split(" ").slice(0, 2).join(" ")}`).join("\n") + "\n");
        const inventory = path.join(project.dir, "inventory.ini");
        fs.writeFileSync(inventory, ansibleInventory(groups, lab.args.privateKeyPath, knownHosts));
        const pulumi = pulumiIn(project);
        const redisHa: Trial[] = [];
        const role: Trial[] = [];

        for (let r = 1; r <= repeats; r++) {
            // The role first, then redis-ha, each on hosts cleaned of both.
            await onEvery(containers, CLEAN_HOSTS);
            await settle();
            const controlDir = fs.mkdtempSync(path.join(project.dir, "ansible-cp-"));
            const ansibleEnv = { ...process.env, ANSIBLE_NOCOLOR: "1", ANSIBLE_RETRY_FILES_ENABLED: "0", ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir, ANSIBLE_LOCAL_TEMP: controlDir };
            const playbook = ["-i", inventory, path.join(ROLE_DIR, "playbook.yml")];
            let since = Math.floor(Date.now() / 1000);
            const roleFresh = must("ansible-playbook (fresh)", timed(ansible, playbook, { env: ansibleEnv, cwd: ROLE_DIR }));
            const roleFreshLogins = await sshLogins(containers, since);
            const roleProblems = await eventuallyEmpty(() => roleClusterProblems(groups), 15);
            await settle();
            since = await nextSecond();
            const roleNoop = must("ansible-playbook (second run)", timed(ansible, playbook, { env: ansibleEnv, cwd: ROLE_DIR }));
            role.push({
                fresh: roleFresh.seconds,
                noop: roleNoop.seconds,
                noopChanges: ansibleChanged(roleNoop.output),
                freshLogins: roleFreshLogins,
                noopLogins: await sshLogins(containers, since),
                problems: roleProblems,
            });
            console.log(`[bench] ${hostCount} hosts, trial ${r}: role fresh ${roleFresh.seconds} s, second run ${roleNoop.seconds} s (${ansibleChanged(roleNoop.output)} changed)`);

            await onEvery(containers, CLEAN_HOSTS);
            await settle();
            const stack = `t${r}`;
            stackFor(pulumi, project, stack, clusters, lab.args.privateKeyPath, lab.password);
            since = Math.floor(Date.now() / 1000);
            const fresh = must("pulumi up (fresh)", pulumi(["up", "--yes", "--skip-preview", "-s", stack]));
            const freshLogins = await sshLogins(containers, since);
            const problems = (
                await Promise.all(
                    clusters.map(async (c) =>
                        (
                            await clusterProblems({ masterName: c.name, sentinels: c.hosts.map((h) => ({ host: h.address, port: 26389 })), password: lab.password, expectReplicas: c.hosts.length - 1 })
                        ).map((p) => `${c.name}: ${p}`),
                    ),
                )
            ).flat();
            await settle();
            since = await nextSecond();
            const noop = must("pulumi up (second run)", pulumi(["up", "--yes", "--skip-preview", "-s", stack]));
            const noopLogins = await sshLogins(containers, since);
            const withPreview = must("pulumi up --yes (second run, with its preview)", pulumi(["up", "--yes", "-s", stack]));
            const preview = must("pulumi preview", pulumi(["preview", "-s", stack]));
            const state = must("pulumi stack export", pulumi(["stack", "export", "-s", stack]));
            redisHa.push({
                fresh: fresh.seconds,
                noop: noop.seconds,
                noopChanges: pulumiChanges(noop.output),
                freshLogins,
                noopLogins,
                problems,
                noopWithPreview: withPreview.seconds,
                preview: preview.seconds,
                stateBytesPerHost: stateBytesPerHost(state.output, hostCount),
            });
            console.log(`[bench] ${hostCount} hosts, trial ${r}: redis-ha fresh ${fresh.seconds} s, second run ${noop.seconds} s (${pulumiChanges(noop.output)} changes), preview ${preview.seconds} s`);
            // Next trial on clean hosts, with a new stack: this one is dropped with the hosts' state.
            await onEvery(containers, CLEAN_HOSTS);
            must("pulumi stack rm", pulumi(["stack", "rm", "--force", "--yes", "-s", stack]));
        }
        return {
            hosts: hostCount,
            clusters: groups.length,
            repeats,
            redisHa: {
                ...figures(redisHa),
                noopWithPreview: spread(redisHa.map((t) => t.noopWithPreview ?? NaN)),
                preview: spread(redisHa.map((t) => t.preview ?? NaN)),
                stateBytesPerHost: spread(redisHa.map((t) => t.stateBytesPerHost ?? NaN)),
            },
            ansible: figures(role),
        };
    } finally {
        fs.rmSync(project.dir, { recursive: true, force: true });
        await lab.destroy();
    }
}

/** Previews of stacks that were never deployed, `hosts` of them (addresses of no machine; nothing is contacted). */
async function benchPreviewScale(sizes: number[], repeats: number): Promise<DeployBenchmark["previewScale"]> {
    const sandbox: Sandbox = { dir: fs.mkdtempSync(path.join(os.tmpdir(), "rh-bench-preview-")) };
    const project = fleetProject(sandbox);
    const pulumi = pulumiIn(project);
    const keyPath = path.join(sandbox.dir, "id_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyPath]);
    const hostKey = fs.readFileSync(`${keyPath}.pub`, "utf8").trim();
    const results: DeployBenchmark["previewScale"] = [];
    try {
        for (const n of sizes) {
            const hosts = Array.from({ length: n }, (_, i) => ({ name: `h${i + 1}`, address: `10.250.${Math.floor(i / 200)}.${(i % 200) + 10}`, hostKey }));
            const clusters = clustersOf(hosts).map((g, i) => ({ name: `c${i + 1}`, hosts: g }));
            const stack = `p${n}`;
            stackFor(pulumi, project, stack, clusters, keyPath, "bench-preview-password");
            const seconds: number[] = [];
            for (let r = 0; r < repeats; r++) seconds.push(must(`pulumi preview (${n} hosts)`, pulumi(["preview", "-s", stack])).seconds);
            results.push({ hosts: n, clusters: clusters.length, seconds: spread(seconds) });
            console.log(`[bench] preview of ${n} hosts (${clusters.length} clusters): ${seconds.join(", ")} s`);
        }
    } finally {
        fs.rmSync(project.dir, { recursive: true, force: true });
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
    }
    return results;
}

async function main(): Promise<void> {
    if (!languageHostInstalled("nodejs")) throw new Error("the deploy benchmark runs the `pulumi` CLI, which needs the nodejs language host (pulumi-language-nodejs) on PATH");
    const sizes = (process.env.BENCH_SIZES ?? "3,12,30").split(",").map(Number);
    // Per size (or one for all): the role alone takes 5 minutes a trial of 30 hosts (5 forks), so two
    // trials of 3 hosts and one of 12 and of 30 fit in 20 minutes (measured: 19 min 53 s).
    const repeatsOf = repeatsPerSize(sizes, process.env.BENCH_REPEATS ?? "2,1,1");
    const repeats = Math.max(...repeatsOf);
    const ansible = ensureAnsible();
    // The fleet program is compiled with the package.
    execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
    const results: SizeResult[] = [];
    const faults = fs.existsSync(FAULTS_FILE) ? (JSON.parse(fs.readFileSync(FAULTS_FILE, "utf8")) as FaultBenchmark) : undefined;
    let previewScale: DeployBenchmark["previewScale"] = [];
    const write = () => {
        const bench = benchmark(results, previewScale, faults, ansible.version);
        fs.mkdirSync(path.dirname(DEPLOY_RESULTS_FILE), { recursive: true });
        fs.writeFileSync(DEPLOY_RESULTS_FILE, `${JSON.stringify(bench, null, 2)}\n`);
        return bench;
    };
    // Written after each part, so that a later part that fails keeps what was measured.
    for (const [i, n] of sizes.entries()) {
        results.push(await benchSize(n, i, repeatsOf[i] ?? 1, ansible.bin));
        write();
    }
    previewScale = await benchPreviewScale([3, 100], repeats);
    console.log(JSON.stringify(write(), null, 2));
}

function benchmark(results: SizeResult[], previewScale: DeployBenchmark["previewScale"], faults: FaultBenchmark | undefined, ansible: string): DeployBenchmark {
    return {
        date: new Date().toISOString(),
        commit: measuredCommit(),
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "?"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
        pulumi: execFileSync("pulumi", ["version"], { encoding: "utf8" }).trim(),
        executor: detectExecutor(),
        ansible,
        pulumiCommand: "pulumi up --yes --skip-preview",
        sizes: results,
        previewScale,
        goals: judgeGoals(results, previewScale, faults),
    };
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
