/**
 * Secrets acceptance, on the real engine and a real lab with ACL users and TLS on: the Redis password,
 * the ACL users' passwords and the TLS private keys appear nowhere they could be read by someone who
 * should not have them: process argument lists (sampled on every lab host and on this machine
 * throughout deploy, update, refresh, a password rotation, a deploy with the frontend and the
 * exporters (TLS off: not supported together yet), a rotation through them, and destroy), engine
 * output (up, preview and update with diffs, refresh, destroy), the state and exported stack, engine
 * logs, journald, and world-readable files on the hosts. Every detector is first shown to find a
 * planted canary (the argv detectors again in the frontend phase), so a check that could not see a
 * leak fails instead of passing.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawn } from "child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { detectExecutor, engineEnv, labPasswordFile, setSecretConfig } from "../../lab/automation";
import { aclCredentials } from "../../components/config/acl";
import { ACL_DEFAULTS } from "../../components/config/defaults";
import { makePki } from "../fixtures/pki";
import { TestLab, createTestLab, eventually, grepFiles, labLeftovers, onHost } from "./labHarness";
import { ArgvSampler, EngineCapture, ExecTracer, findNeedles, secretNeedles } from "./secretScan";

const LAB = "rhtsecret";
const CLUSTER = "lab";
const REDIS_PORT = 6389;
const SUBNET = "10.177.84";
/** The frontend and the exporters (refused with TLS): a later phase, on lab-2 and lab-3 beside their data nodes. */
const FRONTEND = { hosts: ["lab-2", "lab-3"], vip: `${SUBNET}.100`, port: 6390 };
/** In the argv of our HAProxy and of our exporters: a sampler that saw them watched them run. */
const FRONTEND_ARGV = { haproxy: `/etc/redis-ha/${CLUSTER}.frontend/haproxy.cfg`, exporter: "-redis.password-file" };

/** Files under `dir`, recursively. */
function filesUnder(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => path.join(d.parentPath, d.name));
}

describe("Secrets stay secret (real engine, real lab)", function () {
    this.timeout(20 * 60 * 1000);
    const started = Date.now();
    let lab: TestLab;
    let stack: Stack;
    let needles: string[];
    /** The secrets in plaintext, one per line, for grep on the hosts (passed as REDISCLI_AUTH, i.e. in the environment). */
    let hostPatterns: string;
    let tlsConfig: Record<string, string>;
    /** The cluster password now: the lab's, until the rotation sets `rotated`. */
    let password = "";
    /** The passwords the two rotations set (random, generated up front so that every detector looks for them from the start). */
    const rotated = crypto.randomBytes(24).toString("base64");
    const rotatedAgain = crypto.randomBytes(24).toString("base64");
    /** redis-cli on a host over TLS, as the host itself (its own certificate), with the cluster password. */
    const hostCli = (container: string, ...args: string[]) =>
        onHost(
            container,
            `d=/etc/redis-ha/${CLUSTER}/tls-server; redis-cli --no-auth-warning --raw --tls --cacert $d/ca-*.crt --cert $d/node-*.crt --key $d/node-*.key -p ${REDIS_PORT} ${args.join(" ")}`,
            password,
        ).trim();
    const samplers: ArgvSampler[] = [];
    const tracers: ExecTracer[] = [];
    const engine = new EngineCapture();
    const canary = `rh-canary-${crypto.randomBytes(8).toString("hex")}`;
    const STEP_PROGRAM = "/bin/bash\0-s\0";

    before(async () => {
        lab = await createTestLab(LAB, SUBNET);
        password = lab.password;
        const pki = makePki(path.join(lab.sandbox.dir, "pki"), lab.hosts);
        tlsConfig = { caCertFile: pki.caCertFile, certFile: path.join(pki.dir, "{host}.crt"), keyFile: path.join(pki.dir, "{host}.key") };
        // The ACL users' passwords derive from the cluster password: the rotation changes them too.
        const acls = [lab.password, rotated].map((p) => aclCredentials({ replicationUser: ACL_DEFAULTS.replicationUser, sentinelUser: ACL_DEFAULTS.sentinelUser }, p, CLUSTER));
        const keys = Object.values(pki.hosts).map((h) => fs.readFileSync(h.keyFile, "utf8"));
        // A PEM key's base64 lines each carry key material; the whole PEM may also travel base64-encoded.
        const keyLines = keys.flatMap((k) => k.split("\n").filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l)));
        const passwords = [lab.password, rotated, rotatedAgain, ...acls.flatMap((a) => [a.replication.password, a.sentinel.password])];
        // Hex too: HAProxy's checks carry the password hex-encoded.
        needles = [...passwords, ...keys].flatMap(secretNeedles).concat(keyLines, [lab.password, rotated, rotatedAgain].map((p) => Buffer.from(p).toString("hex")));
        hostPatterns = [...passwords, ...keyLines].join("\n");
        for (const h of lab.hosts) {
            const stopFile = "/run/rh-argv-sampler.stop";
            samplers.push(
                new ArgvSampler(h.name, ["docker", "exec", h.container, "bash", "-c", ArgvSampler.loop(stopFile)], needles, [STEP_PROGRAM, canary, FRONTEND_ARGV.haproxy, FRONTEND_ARGV.exporter], () => {
                    execFileSync("docker", ["exec", h.container, "touch", stopFile]);
                }),
            );
        }
        const localStop = path.join(lab.sandbox.dir, "argv-sampler.stop");
        samplers.push(
            new ArgvSampler("this machine", ["bash", "-c", ArgvSampler.loop(localStop)], needles, [canary], () => fs.writeFileSync(localStop, "")),
        );
        for (const h of lab.hosts) tracers.push(new ExecTracer(h.name, [ExecTracer.sshdOf(h.container)], path.join(lab.sandbox.dir, `exec-${h.name}.trace`)));
        tracers.push(new ExecTracer("this machine", [process.pid], path.join(lab.sandbox.dir, "exec-local.trace")));
        // strace is attached once it has written nothing and the process runs; give it a moment.
        await new Promise((r) => setTimeout(r, 1000));
    });

    after(async () => {
        for (const s of samplers) await s.finish().catch(() => undefined);
        for (const t of tracers) await t.finish().catch(() => undefined);
        if (lab) await lab.destroy();
        assert.strictEqual(labLeftovers(LAB), "", "the test lab left containers or networks behind");
    });

    /** The canary in a process's argv on every host and here: long enough for the samplers, and a few milliseconds for the tracers (over SSH on each host). */
    async function plantCanary(): Promise<void> {
        // `; true` keeps bash from exec-ing sleep, so the canary stays in bash's argv while it runs.
        for (const h of lab.hosts) execFileSync("docker", ["exec", h.container, "bash", "-c", "sleep 1.5; true", canary]);
        const local = spawn("bash", ["-c", "sleep 1.5; true", canary]);
        await new Promise((r) => local.on("close", r));
        for (const h of lab.hosts) {
            execFileSync("ssh", ["-i", lab.args.privateKeyPath, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", `root@${h.address}`, "true", canary], { stdio: "ignore" });
        }
        execFileSync("true", [canary]);
    }

    it("samples argument lists on every host and here, and would see a secret there (canary)", async () => {
        await plantCanary();
        await eventually("every sampler saw the canary's argv", 20, () => {
            for (const s of samplers) assert.ok(s.saw(canary), `sampler on ${s.where} did not see the canary process (${s.samples} samples)`);
        });
        // The exec tracers see a program that lives a few milliseconds: over SSH on each host, and here.
        await eventually("every exec tracer saw the canary", 20, () => {
            for (const t of tracers) assert.ok(t.text().includes(canary), `the exec tracer on ${t.where} did not see the canary`);
        });
    });

    it("deploys the cluster (secret set from stdin, not argv)", async () => {
        stack = await lab.cluster({ config: { "redis-ha:acl": { enabled: true }, "redis-ha:tls": tlsConfig } });
        const up = await stack.up(engine.handlers("up"));
        assert.strictEqual(up.summary.result, "succeeded");
        assert.ok((up.summary.resourceChanges?.create ?? 0) > 0, JSON.stringify(up.summary.resourceChanges));
        assert.strictEqual(hostCli(lab.hosts[0]!.container, "PING"), "PONG");
    });

    it("previews and applies an update that re-runs every node step, with diffs shown", async () => {
        // A changed maxmemory re-renders every redis.conf, a changed down-after every sentinel.conf.
        await stack.setConfig("redis-ha:redis", { value: JSON.stringify({ maxmemory: "64mb" }) });
        await stack.setConfig("redis-ha:sentinel", { value: JSON.stringify({ downAfterMilliseconds: 4000, failoverTimeout: 10000 }) });
        const preview = await stack.preview({ diff: true, ...engine.handlers("preview") });
        assert.ok((preview.changeSummary.update ?? 0) >= 6, JSON.stringify(preview.changeSummary));
        const up = await stack.up({ diff: true, ...engine.handlers("up") });
        assert.ok((up.summary.resourceChanges?.update ?? 0) >= 6, JSON.stringify(up.summary.resourceChanges));
        assert.strictEqual(hostCli(lab.hosts[0]!.container, "CONFIG", "GET", "maxmemory").split("\n")[1], String(64 * 1024 * 1024));
        // The diff did render the step programs' secret inputs, masked: so the output check below is not vacuous.
        assert.match(engine.text({ debug: false, ops: ["preview", "up"] }), /\[secret\]/);
    });

    it("refreshes", async () => {
        const refresh = await stack.refresh(engine.handlers("refresh"));
        assert.strictEqual(refresh.summary.result, "succeeded");
    });

    it("leaves no secret in a world-readable file on any host (a planted one is found)", () => {
        const planted = "/var/tmp/rh-secret-canary";
        for (const h of lab.hosts) {
            onHost(h.container, `umask 022; printf '%s' "$REDISCLI_AUTH" > ${planted}`, hostPatterns);
            try {
                const found = onHost(h.container, grepFiles("find / /run /run/lock /tmp /dev/shm -xdev -type f -perm -o=r"), hostPatterns)
                    .trim()
                    .split("\n")
                    .filter(Boolean);
                assert.deepStrictEqual(found, [planted], `${h.name}: world-readable files holding a secret: ${found.join(", ")}`);
            } finally {
                onHost(h.container, `rm -f ${planted}`);
            }
            // Our own files are there and do hold secrets (configs, TLS keys), readable by their owner (and the redis group) only.
            const own = onHost(h.container, `${grepFiles("find /etc/redis-ha -type f")} | xargs -r stat -c '%a %U %G %n'`, hostPatterns)
                .trim()
                .split("\n");
            assert.ok(own.length >= 6, `${h.name}: ${own.join("; ")}`);
            for (const line of own) assert.match(line, /^(600 (redis|root) \w+|640 root redis) \/etc\/redis-ha\//, `${h.name}: ${line}`);
        }
    });

    it("keeps every secret and the SSH key out of the state and `pulumi stack export`", async () => {
        // Not stack.exportStack(): the Automation API exports with --show-secrets.
        const exported = execFileSync("pulumi", ["stack", "export", "--stack", stack.name], {
            cwd: stack.workspace.workDir,
            env: { ...process.env, ...engineEnv(lab.sandbox) },
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        assert.deepStrictEqual(findNeedles(exported, [...needles, sshKeyNeedle()]), []);
        assert.match(exported, /"ciphertext"/, "the step programs were stored, encrypted");
        assertLocalFilesClean();
    });

    it("rotates the password (set from stdin, `up`): the cluster answers to the new one", async () => {
        setSecretConfig(lab.sandbox, stack.workspace.workDir, stack.name, "redis-ha:password", rotated);
        const up = await stack.up(engine.handlers("up"));
        assert.strictEqual(up.summary.result, "succeeded");
        assert.ok((up.summary.resourceChanges?.update ?? 0) > 0, JSON.stringify(up.summary.resourceChanges));
        password = rotated;
        for (const h of lab.hosts) assert.strictEqual(hostCli(h.container, "PING"), "PONG", `${h.name}: the rotated password`);
    });

    it("deploys the frontend and the exporters (TLS and ACL off: not supported together yet), the samplers watching them", async () => {
        // The TLS cluster goes first: turning TLS off in place is not what this test is about.
        const destroy = await stack.destroy(engine.handlers("destroy"));
        assert.strictEqual(destroy.summary.result, "succeeded");
        await stack.removeConfig("redis-ha:tls");
        await stack.removeConfig("redis-ha:acl");
        await stack.setConfig("redis-ha:frontend", { value: JSON.stringify(FRONTEND) });
        await stack.setConfig("redis-ha:metrics", { value: JSON.stringify({ enabled: true }) });
        const up = await stack.up(engine.handlers("up"));
        assert.strictEqual(up.summary.result, "succeeded");
        const vip = onHost(lab.hosts[0]!.container, `redis-cli --no-auth-warning --raw -h ${FRONTEND.vip} -p ${FRONTEND.port} ROLE | head -n 1`, password).trim();
        assert.strictEqual(vip, "master", "the VIP answers as the master");
        // The host samplers saw our HAProxy and our exporters run, so their argv was scanned too.
        await eventually("the samplers saw HAProxy and the exporters", 20, () => {
            for (const s of samplers.filter((x) => x.where !== "this machine")) {
                assert.ok(s.saw(FRONTEND_ARGV.exporter), `${s.where}: no exporter seen running`);
                if (FRONTEND.hosts.includes(s.where)) assert.ok(s.saw(FRONTEND_ARGV.haproxy), `${s.where}: our HAProxy not seen running`);
            }
        });
        // The detectors still see a planted secret in this phase: a sampler or tracer that died since the first canary fails here.
        const before = new Map(samplers.map((s) => [s.where, s.watched.get(canary) ?? 0]));
        const traced = new Map(tracers.map((t) => [t.where, t.text().split(canary).length]));
        await plantCanary();
        await eventually("every sampler and tracer saw the canary again", 20, () => {
            for (const s of samplers) assert.ok((s.watched.get(canary) ?? 0) > before.get(s.where)!, `sampler on ${s.where} no longer sees the canary`);
            for (const t of tracers) assert.ok(t.text().split(canary).length > traced.get(t.where)!, `the exec tracer on ${t.where} no longer sees the canary`);
        });
    });

    it("rotates the password again with the frontend and the exporters running (each exporter's step waits for its redis_up 1): the VIP answers to the new one", async () => {
        setSecretConfig(lab.sandbox, stack.workspace.workDir, stack.name, "redis-ha:password", rotatedAgain);
        const up = await stack.up(engine.handlers("up"));
        assert.strictEqual(up.summary.result, "succeeded");
        password = rotatedAgain;
        assert.strictEqual(onHost(lab.hosts[0]!.container, `redis-cli --no-auth-warning --raw -h ${FRONTEND.vip} -p ${FRONTEND.port} PING`, password).trim(), "PONG");
    });

    it("destroys the cluster", async () => {
        const destroy = await stack.destroy(engine.handlers("destroy"));
        assert.strictEqual(destroy.summary.result, "succeeded");
    });

    it("never put a secret in a process argument list, on any host or here, from first config to destroy", async () => {
        for (const s of samplers) {
            const coveredAll = await s.finish();
            assert.ok(coveredAll, `the sampler on ${s.where} ended before the deployment did`);
            assert.ok(s.samples > 50, `${s.where}: only ${s.samples} samples`);
            assert.deepStrictEqual(s.hits, [], `a secret in an argument list on ${s.where}:\n${s.hits.join("\n")}`);
        }
        // The samplers watched the steps run (each host ran several step programs while sampled).
        for (const s of samplers.filter((x) => x.where !== "this machine")) {
            assert.ok(s.saw(STEP_PROGRAM), `${s.where}: no step program was ever seen running`);
        }
        // Every exec, however short-lived: on each host under sshd, and here under the engine.
        for (const t of tracers) {
            await t.finish();
            const trace = t.text();
            assert.ok(t.execs() > 100, `${t.where}: only ${t.execs()} execs traced`);
            if (t.where !== "this machine") assert.ok(trace.includes('"/bin/bash", "-s"'), `${t.where}: no step program (bash -s) was traced`);
            else assert.match(trace, /execve\("[^"]*pulumi", \["pulumi", "up"/, "the engine's runs were traced");
            assert.deepStrictEqual(findNeedles(trace, needles), [], `a secret in an exec's argument list on ${t.where}`);
        }
    });

    it("logs no secret to journald on any host (a planted canary is found)", () => {
        for (const h of lab.hosts) {
            onHost(h.container, `echo ${canary} | systemd-cat -t rh-secret-test && journalctl --flush`);
            // `-o export` includes every field, _CMDLINE among them.
            const count = (pattern: string) =>
                onHost(h.container, `journalctl --no-pager -o export | grep -caF -f <(printf '%s\\n' "${pattern}") || true`, hostPatterns).trim();
            assert.notStrictEqual(count(canary), "0", `${h.name}: the journal check cannot see a logged line`);
            assert.strictEqual(count("$REDISCLI_AUTH"), "0", `${h.name}: a secret in journald`);
        }
    });

    it("shows no secret in engine output and events (up, preview and update diffs, refresh, destroy)", () => {
        const text = engine.text({ debug: false });
        assert.ok(text.length > 1000, "engine output was captured");
        assert.deepStrictEqual(findNeedles(text, needles), []);
    });

    it(
        detectExecutor() === "dynamic"
            ? "shows no secret in the debug events of up, refresh and destroy either"
            : "shows no secret in the debug events of up, refresh and destroy, but for the one documented channel of the command executor (remote.Command's stdin output)",
        () => {
            // The Node SDK logs every RegisterResource reply at debug level, secret outputs unmasked except
            // config secrets typed as is: ShellCommand keeps only a digest of its program in its outputs.
            // remote.Command returns its stdin (the step program, files base64) as an output, which
            // redis-ha cannot change: README "Secrets" names this channel. Anything beyond it fails here.
            const events = engine.items({ debug: true, ops: ["up", "refresh", "destroy"] });
            assert.match(events.join("\n"), /RegisterResource RPC finished/, "the SDK's debug replies were captured");
            const documented = (e: string) => detectExecutor() === "command" && /RegisterResource RPC finished: resource:[^;]*\[command:remote:Command\]/.test(e);
            assert.deepStrictEqual(findNeedles(events.filter((e) => !documented(e)).join("\n"), needles), []);
        },
    );

    it("keeps every secret out of state history, workspaces and engine logs after destroy", () => {
        assertLocalFilesClean();
    });

    /** A line from the middle of the lab's SSH private key: enough to recognise the key. */
    function sshKeyNeedle(): string {
        const lines = fs.readFileSync(lab.args.privateKeyPath, "utf8").split("\n").filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
        assert.ok(lines.length > 1);
        return lines[1]!;
    }

    /** The sandbox (state with its history and backups, workspaces), the engine's workspace and log files written since the test began. */
    function assertLocalFilesClean(): void {
        const skip = new Set([labPasswordFile(lab.sandbox), lab.args.privateKeyPath, `${lab.args.privateKeyPath}.pub`]);
        const pulumiHome = process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
        const recent = (f: string) => fs.statSync(f).isFile() && fs.statSync(f).mtimeMs >= started;
        const engineFiles = [...filesUnder(path.join(pulumiHome, "workspaces")), ...filesUnder(path.join(pulumiHome, "logs"))].filter(recent);
        const tmpLogs = fs
            .readdirSync(os.tmpdir())
            .filter((f) => f.startsWith("pulumi"))
            .map((f) => path.join(os.tmpdir(), f))
            .filter(recent);
        // The sandbox's own secrets are where the test keeps them: the password file, the SSH key and the test PKI.
        const pkiDir = path.join(lab.sandbox.dir, "pki") + path.sep;
        const files = [...filesUnder(lab.sandbox.dir).filter((f) => !skip.has(f) && !f.startsWith(pkiDir)), ...engineFiles, ...tmpLogs];
        assert.ok(files.some((f) => f.includes(`${path.sep}state${path.sep}`)), "the state files were scanned");
        const key = sshKeyNeedle();
        for (const f of files) {
            assert.deepStrictEqual(findNeedles(fs.readFileSync(f, "latin1"), [...needles, key]), [], `secret in plaintext in ${f}`);
        }
    }
});
