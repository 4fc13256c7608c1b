/**
 * The user's path, on the real engine and a real lab: the `pulumi` CLI running the project's
 * `index.ts`; executors switched both ways and the component renamed on a running cluster with a
 * client writing (every step replaced: nothing may stop or be deleted); SSH host keys verified.
 * Tests that need a binary the machine lacks (the nodejs language host, the `command` plugin) are
 * reported as not run, by name.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import * as yaml from "js-yaml";
import { Stack } from "@pulumi/pulumi/automation";
import { ROOT, detectExecutor, engineEnv, installedCommandPlugin, labHostKeys } from "../../lab/automation";
import { clusterProblems } from "../../lab/clusterHealth";
import { TestLab, assertNothingLost, assertStillWriting, createTestLab, eventually, labLeftovers, mainPid, nodejsLanguageHostInstalled, notRun, onHost, redisCli } from "./labHarness";
import { CounterWriter, startCounterWriter } from "../../examples/visit-counter/counter";

const LAB = "rhtuser";
const REDIS_PORT = 6389;
const SENTINEL_PORT = 26389;
const UNITS = ["redis-ha-lab-server.service", "redis-ha-lab-sentinel.service"];
const KEYS = 2000;
const TIMING = { "redis-ha:sentinel": { downAfterMilliseconds: 3000, failoverTimeout: 10000 } };
/** The host-key cluster: its own name and ports, so that it never meets the "lab" cluster of the tests above. */
const KEYS_CLUSTER = { ...TIMING, "redis-ha:clusterName": "keys", "redis-ha:redisPort": 6390, "redis-ha:sentinelPort": 26390 };

describe("the user's path: CLI, replaced steps, host keys (real engine, real lab)", function () {
    this.timeout(20 * 60 * 1000);
    let lab: TestLab;

    before(async () => {
        lab = await createTestLab(LAB, "10.177.87");
    });

    after(async () => {
        if (lab) await lab.destroy();
        assert.strictEqual(labLeftovers(LAB), "", "the test lab left containers or networks behind");
    });

    const masterContainer = () => {
        const addr = redisCli(lab.hosts[0]!.container, lab.password, SENTINEL_PORT, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lab").split("\n")[0];
        return lab.hosts.find((h) => h.address === addr)!.container;
    };
    /** Every unit's PID on every host: a restart or a stop shows as a change. */
    const pids = () => lab.hosts.map((h) => UNITS.map((u) => `${h.name}/${u}=${mainPid(h.container, u)}`).join(" ")).join("\n");
    const writeKeys = () =>
        onHost(masterContainer(), `for i in $(seq ${KEYS}); do echo "SET user:$i v$i"; done | redis-cli --no-auth-warning -p ${REDIS_PORT} --pipe >/dev/null`, lab.password);
    /** Keys that read back with their value, on the master and on every replica. */
    const keysIntact = () =>
        lab.hosts.map((h) =>
            redisCli(h.container, lab.password, REDIS_PORT, "EVAL", `local n=0 for i=1,${KEYS} do if redis.call('GET','user:'..i)=='v'..i then n=n+1 end end return n`, "0"),
        );
    /** What is in each host's data directory (AOF files keep their names and inodes unless rewritten or deleted). */
    const dataDirs = () => lab.hosts.map((h) => onHost(h.container, "ls -i1 /var/lib/redis-ha/lab/appendonlydir").trim()).join("\n");
    const writer = (key: string): CounterWriter =>
        startCounterWriter({
            masterName: "lab",
            sentinels: lab.hosts.map((h) => ({ host: h.address, port: SENTINEL_PORT })),
            password: lab.password,
            key,
            waitReplicas: 1,
            maxSeconds: 600,
        });
    /**
     * Our unit files on a host, their drop-ins and their .wants links included (0 once a destroy removed
     * everything). `find` fails (and so the assert) if it cannot look, instead of counting nothing.
     */
    const unitsOfOurs = (container: string) => onHost(container, "set -o pipefail; find /etc/systemd/system -name 'redis-ha-*' | wc -l").trim();
    const healthy = async () =>
        assert.deepStrictEqual(
            await clusterProblems({ masterName: "lab", sentinels: lab.hosts.map((h) => ({ host: h.address, port: SENTINEL_PORT })), password: lab.password, expectReplicas: 2 }),
            [],
        );

    /**
     * Replaces every step of a running cluster (`change`), with a client writing; nothing may stop,
     * restart or be lost, and the successors (`owner`: executor and resource name) own the services.
     */
    async function replaceEverything(first: Stack, change: () => Promise<Stack>, owner: { executor: string; resourceName: string }, from: string): Promise<void> {
        await first.up();
        writeKeys();
        const before = { pids: pids(), data: dataDirs() };
        const w = writer(`switch:${Date.now()}`);
        await w.ready;
        let output = "";
        try {
            const next = await change();
            output = (await next.up()).stdout;
            // The writer went through the replacement: it still gets new writes confirmed now.
            await assertStillWriting(w, `replacing every step (${from} → ${owner.executor})`);
        } finally {
            assertNothingLost(await w.stop(), "replacing every step");
        }
        assert.strictEqual(pids(), before.pids, "a service of ours was stopped or restarted");
        assert.strictEqual(dataDirs(), before.data, "a data directory changed");
        assert.deepStrictEqual(keysIntact(), lab.hosts.map(() => String(KEYS)), "keys lost");
        // The old steps were deleted (their removals saw the successors' ownership and left everything running).
        for (const h of lab.hosts) for (const kind of ["redis", "sentinel"]) assert.match(output, new RegExp(`lab-${h.name}-${kind}-apply deleted`), output.slice(-3000));
        // remote.Command's removals do not try to pass their previous output through sshd's AcceptEnv
        // (addPreviousOutputInEnv: false): without it, each deleted remote.Command warns "Unable to set
        // 'PULUMI_COMMAND_STDOUT' ... AcceptEnv". Only remote.Command passes previous output (on update and
        // delete), so the check means something only when the old steps were remote.Commands: the
        // `command` executor's. redis-ha's ShellCommand (dynamic) sends no environment at all.
        if (from === "command") assert.doesNotMatch(output, /Unable to set|AcceptEnv/);
        for (const h of lab.hosts) {
            assert.strictEqual(
                onHost(h.container, "cat /etc/redis-ha/lab/owner.server /etc/redis-ha/lab/owner.sentinel").trim(),
                ["redis", "sentinel"].map((kind) => `${owner.executor}:${owner.resourceName}-${h.name}-${kind}-apply`).join("\n"),
                h.name,
            );
        }
        await healthy();
    }

    it("switches the executor dynamic → command → dynamic on a running cluster with a writer: nothing stopped, 0 confirmed writes or keys lost", async function () {
        if (!installedCommandPlugin()) notRun(this, "executor switch dynamic ↔ command", "the `command` resource plugin (pulumi plugin install resource command)");
        const stack = (executor: string) => lab.cluster({ config: { ...TIMING, "redis-ha:executor": executor } });
        const first = await stack("dynamic");
        await replaceEverything(first, () => stack("command"), { executor: "command", resourceName: "lab" }, "dynamic");
        await replaceEverything(await stack("command"), () => stack("dynamic"), { executor: "dynamic", resourceName: "lab" }, "command");
        await (await stack("dynamic")).destroy();
        for (const h of lab.hosts) assert.strictEqual(unitsOfOurs(h.container), "0", h.name);
    });

    it(`renames the component (every step gets a new URN) on the ${detectExecutor()} executor with a writer: nothing stopped or lost; destroy still removes everything`, async () => {
        const stack = (resourceName: string) => lab.cluster({ config: TIMING, resourceName });
        await replaceEverything(await stack("lab"), () => stack("lab-renamed"), { executor: detectExecutor(), resourceName: "lab-renamed" }, detectExecutor());
        // The successors own the services: their removal does remove them.
        await (await stack("lab-renamed")).destroy();
        for (const h of lab.hosts) {
            assert.strictEqual(unitsOfOurs(h.container), "0", h.name);
            assert.strictEqual(onHost(h.container, "ls /etc/redis-ha /var/lib/redis-ha 2>/dev/null | wc -l").trim(), "0", h.name);
            assert.strictEqual(onHost(h.container, "systemctl is-active redis-server").trim(), "active", `${h.name}: the existing Redis`);
        }
    });

    describe("SSH host keys", () => {
        const fp = (line: string) => execFileSync("ssh-keygen", ["-lf", "-"], { input: line, encoding: "utf8" }).split(" ")[1]!;
        /**
         * SSH logins to the host since `since` (journald of its sshd): a refused host must see none. A
         * journalctl that fails fails the count (pipefail) rather than reading as 0; the test proves the
         * count sees a login with one of its own afterwards.
         */
        const logins = (container: string, since: string) =>
            onHost(container, `set -o pipefail; journalctl -u ssh --since '${since}' --no-pager -o cat | { grep -c 'Accepted publickey' || true; }`).trim();
        const nothingDeployed = () => lab.hosts.map((h) => onHost(h.container, "ls /etc/redis-ha/keys 2>/dev/null | wc -l").trim());

        it(`refuses a host whose key does not match (${detectExecutor()} executor), naming both fingerprints, before anything is sent`, async () => {
            const keys = labHostKeys(lab.args);
            const hosts = lab.hosts.map((h, i) => ({ name: h.name, address: h.address, hostKey: i === 0 ? keys[lab.hosts[1]!.name] : keys[h.name] }));
            const since = onHost(lab.hosts[0]!.container, "date '+%Y-%m-%d %H:%M:%S'").trim();
            const stack = await lab.cluster({ stackName: "keys", config: { ...KEYS_CLUSTER, "redis-ha:hosts": hosts } });
            await assert.rejects(stack.up(), (err: Error) => {
                const m = /host key of lab-1 \(root@10\.177\.87\.11:22\) does not match: it presented ssh-ed25519 (\S+), the trusted key is ssh-ed25519 (\S+)\./.exec(err.message);
                assert.ok(m, err.message.slice(-2000));
                assert.strictEqual(m[1], fp(keys["lab-1"]!), "the fingerprint the host presented");
                assert.strictEqual(m[2], fp(keys["lab-2"]!), "the fingerprint that was expected");
                return true;
            });
            assert.strictEqual(logins(lab.hosts[0]!.container, since), "0", "lab-1 saw an SSH login");
            assert.deepStrictEqual(nothingDeployed(), ["0", "0", "0"]);
            // The count can see a login: one of ours, with the lab's key, shows as exactly one.
            const known = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "rh-login-")), "known_hosts");
            fs.writeFileSync(known, `${lab.hosts[0]!.address} ${keys["lab-1"]}\n`);
            execFileSync("ssh", ["-i", lab.args.privateKeyPath, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", `UserKnownHostsFile=${known}`, "-o", "StrictHostKeyChecking=yes", `root@${lab.hosts[0]!.address}`, "true"], { stdio: "ignore" });
            fs.rmSync(path.dirname(known), { recursive: true, force: true });
            await eventually("our own login in lab-1's sshd log", 10, () => assert.strictEqual(logins(lab.hosts[0]!.container, since), "1"));
            await stack.destroy();
        });

        it("trusts the keys a known_hosts file lists (hashed entries too), and refuses `up` for a host it does not list, naming it", async () => {
            const keys = labHostKeys(lab.args);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rh-known-hosts-"));
            const file = path.join(dir, "known_hosts");
            fs.writeFileSync(file, lab.hosts.map((h) => `${h.address} ${keys[h.name]}`).join("\n") + "\n");
            execFileSync("ssh-keygen", ["-H", "-f", file], { stdio: "ignore" });
            assert.ok(!fs.readFileSync(file, "utf8").includes(lab.hosts[0]!.address), "the entries are hashed");
            const hosts = lab.hosts.map((h) => ({ name: h.name, address: h.address }));
            const config = { ...KEYS_CLUSTER, "redis-ha:hosts": hosts, "redis-ha:ssh": { user: "root", privateKeyPath: lab.args.privateKeyPath, knownHostsFile: file } };
            const stack = await lab.cluster({ stackName: "keys", config });
            await stack.up();
            await stack.destroy();
            fs.writeFileSync(file, lab.hosts.slice(1).map((h) => `${h.address} ${keys[h.name]}`).join("\n") + "\n");
            const missing = await lab.cluster({ stackName: "keys", config });
            let previewOutput = "";
            await missing.preview({ onOutput: (s) => (previewOutput += s) });
            assert.match(previewOutput, /hosts\[0\]\.hostKey: no SSH host key is known for lab-1 \(10\.177\.87\.11:22\).*`pulumi up` will refuse to connect/);
            await assert.rejects(missing.up(), /hosts\[0\]\.hostKey: no SSH host key is known for lab-1 \(10\.177\.87\.11:22\)/);
            assert.deepStrictEqual(nothingDeployed(), ["0", "0", "0"]);
            fs.rmSync(dir, { recursive: true, force: true });
        });
    });

    describe("the `pulumi` CLI with the project's index.ts", () => {
        let project = "";
        let env: NodeJS.ProcessEnv = {};
        const pulumi = (args: string[], input?: string) => spawnSync("pulumi", [...args, "--non-interactive", "--cwd", project], { env, input, encoding: "utf8" });

        before(function () {
            if (!nodejsLanguageHostInstalled()) notRun(this, "`pulumi preview/up/destroy -s <env>` through the CLI", "the nodejs language host (pulumi-language-nodejs)");
            // A user's checkout: the project's files and its installed node_modules.
            project = fs.mkdtempSync(path.join(os.tmpdir(), "rh-cli-project-"));
            // bin/: the compiled program Pulumi.yaml runs (scripts/toolchain.sh built it); timestamps kept, so it is not taken as stale.
            for (const entry of ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", "tsconfig.build.json", "components", "stack", "templates", "remote", "bin"]) {
                fs.cpSync(path.join(ROOT, entry), path.join(project, entry), { recursive: true, preserveTimestamps: true });
            }
            fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"));
            const keys = labHostKeys(lab.args);
            const config = {
                ...(yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.lab.yaml"), "utf8")) as { config: Record<string, unknown> }).config,
                "redis-ha:hosts": lab.hosts.map((h) => ({ name: h.name, address: h.address, hostKey: keys[h.name] })),
                "redis-ha:ssh": { user: "root", privateKeyPath: lab.args.privateKeyPath },
                "redis-ha:executor": detectExecutor(),
            };
            fs.writeFileSync(path.join(project, "Pulumi.lab.yaml"), yaml.dump({ config }));
            // Its own backend: the Automation API stacks above live in the sandbox's.
            const state = path.join(project, ".state");
            fs.mkdirSync(state);
            env = { ...process.env, ...engineEnv(lab.sandbox), PULUMI_BACKEND_URL: `file://${state}` };
            const init = pulumi(["stack", "init", "lab"]);
            assert.strictEqual(init.status, 0, init.stderr);
            const secret = pulumi(["config", "set", "--secret", "-s", "lab", "redis-ha:password"], lab.password);
            assert.strictEqual(secret.status, 0, secret.stderr);
        });

        after(() => {
            if (project) fs.rmSync(project, { recursive: true, force: true });
        });

        it("previews, deploys a healthy cluster, re-runs with no change, and destroys, with `-s lab`", async () => {
            const preview = pulumi(["preview", "-s", "lab"]);
            assert.strictEqual(preview.status, 0, preview.stdout + preview.stderr);
            assert.match(preview.stdout, /\+ +redis-ha:index:RedisHaCluster/);
            assert.ok(!preview.stdout.includes(lab.password), "the password is in the preview");
            const up = pulumi(["up", "--yes", "-s", "lab"]);
            assert.strictEqual(up.status, 0, up.stdout.slice(-4000) + up.stderr);
            await healthy();
            const again = pulumi(["preview", "--expect-no-changes", "-s", "lab"]);
            assert.strictEqual(again.status, 0, again.stdout.slice(-3000));
            const destroy = pulumi(["destroy", "--yes", "-s", "lab"]);
            assert.strictEqual(destroy.status, 0, destroy.stdout.slice(-3000) + destroy.stderr);
            // Deleting remote.Commands is where they would pass their previous output through sshd's
            // AcceptEnv (see replaceEverything): only on the `command` executor can this warning appear.
            if (detectExecutor() === "command") assert.doesNotMatch(destroy.stdout + destroy.stderr, /Unable to set|AcceptEnv/);
            for (const h of lab.hosts) assert.strictEqual(unitsOfOurs(h.container), "0", h.name);
        });

        it("prints a config error as the problem list alone: no stack trace, no object dump", () => {
            assert.strictEqual(pulumi(["config", "set", "-s", "lab", "redis-ha:quorum", "7"]).status, 0);
            const preview = pulumi(["preview", "-s", "lab"]);
            const out = preview.stdout + preview.stderr;
            assert.notStrictEqual(preview.status, 0);
            assert.match(out, /redis-ha: invalid configuration \(1 problem\):\n\s+- quorum: /);
            assert.doesNotMatch(out, /^\s+at /m, "a stack trace");
            assert.doesNotMatch(out, /RedisHaConfigError|problems: \[|\{ field:/, "an object dump");
        });

        it("refuses a compiled program older than its sources, naming the file and the fix, before any host is contacted", () => {
            // stack/program.ts edited after the last build.
            const source = path.join(project, "stack", "program.ts");
            const past = new Date(Date.now() - 60_000);
            fs.utimesSync(path.join(project, "bin", "index.js"), past, past);
            fs.utimesSync(source, new Date(), new Date());
            const preview = pulumi(["preview", "-s", "lab"]);
            const out = preview.stdout + preview.stderr;
            assert.notStrictEqual(preview.status, 0, out);
            assert.match(out, /redis-ha: the compiled program \(bin\/\) is older than stack\/program\.ts\. Fix: run `npm run build` in /);
            assert.doesNotMatch(out, /^\s+at /m, "a stack trace");
            const rebuilt = spawnSync("npx", ["--no-install", "tsc", "-p", "tsconfig.build.json"], { cwd: project, encoding: "utf8" });
            assert.strictEqual(rebuilt.status, 0, rebuilt.stdout + rebuilt.stderr);
            assert.strictEqual(pulumi(["config", "set", "-s", "lab", "redis-ha:quorum", "2"]).status, 0);
            const again = pulumi(["preview", "-s", "lab"]);
            assert.strictEqual(again.status, 0, again.stdout + again.stderr);
        });
    });
});
