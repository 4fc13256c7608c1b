/**
 * The operator commands (`ops/cli.ts`, the package's `redis-ha` bin) against a deployed lab cluster,
 * run as an operator runs them: a process reading the stack's config from its project directory.
 * `status` shows the live topology and what is wrong; `switchover` moves mastership with a writer
 * checking every WAIT-confirmed write, and refuses, changing nothing, when it is unsafe. Last, a new
 * `password` rolls across the cluster under the same writer.
 *
 * It runs on both executors (scripts/test.sh): the operator commands reach the hosts over ssh2
 * whatever the executor, but the deploy and the password rotation are `pulumi up`s, which do not.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as path from "path";
import { spawn, spawnSync } from "child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { engineEnv } from "../../lab/automation";
import { TestLab, assertNothingLost, assertStillWriting, createTestLab, eventually, grepFiles, onHost, redisCli } from "./labHarness";
import { CounterWriter, startCounterWriter } from "../../examples/visit-counter/counter";
import type { ClusterStatus } from "../../ops/status";
import { OperatedCluster, loadStackCluster } from "../../ops/stackCluster";
import { switchoverVars } from "../../components/plan/steps";
import { STEP_COMMAND, stepProgram } from "../../components/remote/payload";

const ROOT = path.join(__dirname, "..", "..");
const LAB = "rhtops";
const REDIS_PORT = 6389;
const SENTINEL_PORT = 26389;
const SENTINEL_UNIT = "redis-ha-lab-sentinel.service";
const SERVER_UNIT = "redis-ha-lab-server.service";
const LOGS = "/var/log/redis-ha/lab/redis.log /var/log/redis-ha/lab/sentinel.log";
/** How Redis stores a password (ACL GETUSER, `user ... #<hash>` lines of a rewritten config). */
const sha256 = (secret: string) => crypto.createHash("sha256").update(secret).digest("hex");

describe("operator commands: live status, and a switchover that loses no confirmed write", function () {
    this.timeout(20 * 60 * 1000);
    let lab: TestLab;
    let stack: Stack;
    let env: NodeJS.ProcessEnv = {};
    let writer: CounterWriter | undefined;

    const cliArgs = (args: string[]) => [require.resolve("tsx/cli"), path.join(ROOT, "ops", "cli.ts"), ...args, "-s", "lab", "--cwd", stack.workspace.workDir];
    const cli = (...args: string[]) => spawnSync(process.execPath, cliArgs(args), { env, encoding: "utf8" });
    /** The same without blocking this process: the writer runs in it meanwhile. */
    const cliAsync = (...args: string[]) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
            const child = spawn(process.execPath, cliArgs(args), { env });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            child.on("error", reject);
            child.on("close", (status) => resolve({ status, stdout, stderr }));
        });
    const status = (): { code: number | null; status: ClusterStatus } => {
        const r = cli("status", "--json");
        assert.ok(r.status === 0 || r.status === 3, `status failed: ${r.stderr}`);
        return { code: r.status, status: JSON.parse(r.stdout) as ClusterStatus };
    };
    const sentinelMaster = (n: number) => redisCli(lab.hosts[n]!.container, lab.password, SENTINEL_PORT, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lab").split("\n")[0];
    const hostName = (address: string | undefined) => lab.hosts.find((h) => h.address === address)?.name;
    /** The master every sentinel names, by host name; fails when they disagree. */
    const agreedMaster = (sentinelDownOn?: string) => {
        const named = lab.hosts.flatMap((h, n) => (h.name === sentinelDownOn ? [] : [sentinelMaster(n)]));
        assert.ok(named.every((m) => m === named[0]), `sentinels disagree: ${named.join(", ")}`);
        return hostName(named[0]);
    };
    const priorities = () => lab.hosts.map((h) => redisCli(h.container, lab.password, REDIS_PORT, "CONFIG", "GET", "replica-priority").split("\n")[1]);
    /** No stack trace, no source dump: the message alone. */
    const assertMessageOnly = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at |\.ts:\d+/m, stderr);

    async function startWriter(key: string, maxSeconds = 300): Promise<void> {
        writer = startCounterWriter({ masterName: "lab", sentinels: lab.hosts.map((h) => ({ host: h.address, port: SENTINEL_PORT })), password: lab.password, key, waitReplicas: 1, maxSeconds });
        await writer.ready;
    }
    /** After a step, before the next one: this spec's writer still gets new writes confirmed (labHarness's bounded wait). */
    async function writerConfirmsAfter(step: string): Promise<void> {
        await assertStillWriting(writer!, `after ${step}`);
    }

    before(async () => {
        lab = await createTestLab(LAB, "10.177.76");
        stack = await lab.cluster({ config: { "redis-ha:quorum": 2, "redis-ha:sentinel": { downAfterMilliseconds: 3000, failoverTimeout: 10000 } } });
        await stack.up();
        env = { ...process.env, ...engineEnv(lab.sandbox) };
    });

    afterEach(async () => {
        if (writer) await writer.stop();
        writer = undefined;
    });

    after(async () => {
        if (lab) await lab.destroy();
    });

    it("status: every host's role, link, offsets and units, each sentinel's view, config in sync; a stopped sentinel shows as a problem", async () => {
        const { code, status: s } = status();
        assert.strictEqual(code, 0, JSON.stringify(s.problems));
        assert.deepStrictEqual([s.cluster, s.master, s.healthy, s.problems], ["lab", "lab-1", true, []]);
        for (const h of s.hosts) {
            const master = h.host === "lab-1";
            assert.strictEqual(h.redis?.unit, "active", h.host);
            assert.strictEqual(h.redis.role, master ? "master" : "slave", h.host);
            if (master) assert.strictEqual(h.redis.connectedReplicas, 2);
            else assert.deepStrictEqual([h.redis.following, h.redis.link], [`${lab.hosts[0]!.address}:${REDIS_PORT}`, "up"], h.host);
            assert.ok(typeof h.redis.offset === "number" && h.redis.offset > 0, `${h.host} offset ${String(h.redis.offset)}`);
            assert.strictEqual(h.sentinel?.unit, "active", h.host);
            assert.deepStrictEqual([h.sentinel.master, h.sentinel.otherSentinels, h.sentinel.replicas], [`${lab.hosts[0]!.address}:${REDIS_PORT}`, "2", "2"], h.host);
            assert.match(h.sentinel.ckquorum, /^OK/);
            assert.match(h.sentinel.flags, /master/);
            assert.deepStrictEqual(h.drift, [], h.host);
        }
        const text = cli("status");
        assert.strictEqual(text.status, 0, text.stderr);
        assert.match(text.stdout, /^cluster lab \(stack lab\): master lab-1, healthy\n/);
        // What each host runs, as its server reports itself (the lab image's Debian 12 Redis).
        assert.match(text.stdout, /^lab-2 +10\.177\.76\.\d+ +redis 7\.0\.\d+ +active +replica +up /m);
        assert.deepStrictEqual([...new Set(s.hosts.flatMap((h) => [h.redis?.server, h.sentinel?.server]))].map((x) => /^redis 7\.0\.\d+$/.test(x ?? "")), [true]);
        assert.ok(!(text.stdout + text.stderr).includes(lab.password), "status printed the password");

        onHost(lab.hosts[2]!.container, `systemctl stop ${SENTINEL_UNIT}`);
        try {
            const down = status();
            assert.strictEqual(down.code, 3);
            assert.strictEqual(down.status.healthy, false);
            assert.ok(down.status.problems.some((p) => p === "lab-3: redis-ha-lab-sentinel.service is inactive"), down.status.problems.join("\n"));
            assert.ok(down.status.problems.some((p) => p.startsWith("lab-3: redis-ha-lab-sentinel.service is not running")), down.status.problems.join("\n"));
        } finally {
            onHost(lab.hosts[2]!.container, `systemctl start ${SENTINEL_UNIT}`);
        }
        await eventually("the cluster healthy again", 60, () => assert.strictEqual(status().code, 0));
    });

    it("switchover --to a named replica, then to the best one: mastership moves each time, 0 confirmed writes lost, priorities restored, the stack unchanged", async () => {
        // One writer across both switchovers: after each it must still get new writes confirmed.
        await startWriter("ops:switchover", 600);
        const r = await cliAsync("switchover", "--to", "lab-3");
        assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /mastership of lab moved from lab-1 to lab-3/);
        await writerConfirmsAfter("switchover --to lab-3");
        assert.strictEqual(agreedMaster(), "lab-3");
        assert.deepStrictEqual(priorities(), ["100", "100", "100"], "a lowered replica-priority was left behind");
        await eventually("every replica follows lab-3", 30, () => assert.strictEqual(status().status.healthy, true));

        const best = await cliAsync("switchover");
        assert.strictEqual(best.status, 0, `${best.stdout}\n${best.stderr}`);
        await writerConfirmsAfter("switchover to the best replica");
        const report = await writer!.stop();
        writer = undefined;
        assertNothingLost(report, "switchover --to lab-3, then to the best replica");
        const now = agreedMaster();
        assert.ok(now === "lab-1" || now === "lab-2", `master is ${String(now)}`);
        assert.match(best.stdout, new RegExp(`moved from lab-3 to ${now}`));
        await eventually("healthy after the second switchover", 30, () => assert.strictEqual(status().status.healthy, true));
        // Mastership is Sentinel's: the stack has nothing to change.
        const preview = await stack.preview({ refresh: true });
        assert.deepStrictEqual(Object.keys(preview.changeSummary).filter((k) => k !== "same"), [], JSON.stringify(preview.changeSummary));
    });

    it("refuses, changing nothing: an unknown host, a replica set to replica-priority 0 by hand, a cluster without its sentinels; the master itself is a no-op", async () => {
        const master = agreedMaster()!;
        const replica = lab.hosts.map((h) => h.name).find((n) => n !== master)!;
        const replicaIndex = lab.hosts.findIndex((h) => h.name === replica);

        const unknown = cli("switchover", "--to", "lab-9");
        assert.strictEqual(unknown.status, 1);
        assert.strictEqual(unknown.stderr.trim(), 'switchover refused: "lab-9" is not a data node of cluster lab; use one of lab-1, lab-2, lab-3');

        const same = cli("switchover", "--to", master);
        assert.strictEqual(same.status, 0, same.stderr);
        assert.match(same.stdout, new RegExp(`${master} is already the master of lab; nothing changed`));

        redisCli(lab.hosts[replicaIndex]!.container, lab.password, REDIS_PORT, "CONFIG", "SET", "replica-priority", "0");
        try {
            const zero = cli("switchover", "--to", replica);
            assert.strictEqual(zero.status, 1, zero.stdout);
            // A priority set by hand is drift (the live comparison sees it): refused as a cluster that is not as deployed.
            assert.strictEqual(
                zero.stderr.trim(),
                `switchover refused: the cluster is not healthy; fix this first: ${replica}: redis-ha-lab-server.service: replica-priority set live (CONFIG SET) to other values than /etc/redis-ha/lab/redis.conf says`,
            );
            assertMessageOnly(zero.stderr);
            assert.strictEqual(agreedMaster(), master);
        } finally {
            redisCli(lab.hosts[replicaIndex]!.container, lab.password, REDIS_PORT, "CONFIG", "SET", "replica-priority", "100");
        }

        const others = lab.hosts.filter((h) => h.name !== master);
        for (const h of others) onHost(h.container, `systemctl stop ${SENTINEL_UNIT}`);
        try {
            const noQuorum = cli("switchover");
            assert.strictEqual(noQuorum.status, 1, noQuorum.stdout);
            assert.match(noQuorum.stderr, /^switchover refused: the cluster is not healthy; fix this first: .*redis-ha-lab-sentinel\.service is inactive/);
            assertMessageOnly(noQuorum.stderr);
        } finally {
            for (const h of others) onHost(h.container, `systemctl start ${SENTINEL_UNIT}`);
        }
        assert.strictEqual(agreedMaster(), master);
        await eventually("healthy again", 60, () => assert.strictEqual(status().code, 0));
    });

    it("switchover.sh's own refusals, run at the host with no status check in front, change nothing (master, priorities, a writer's confirmed writes): not the master, a sentinel down, no quorum, no replica connected, a target that is no replica, lags or has priority 0, no candidate", async () => {
        // The operator's own view of the stack (what `redis-ha switchover` builds the program from),
        // read with the sandbox's backend and passphrase, which loadStackCluster takes from the environment.
        const engine = engineEnv(lab.sandbox);
        const saved = Object.fromEntries(Object.keys(engine).map((k) => [k, process.env[k]]));
        let cluster: OperatedCluster;
        try {
            Object.assign(process.env, engine);
            cluster = await loadStackCluster(stack.name, stack.workspace.workDir);
        } finally {
            for (const [k, v] of Object.entries(saved)) {
                if (v === undefined) Reflect.deleteProperty(process.env, k);
                else process.env[k] = v;
            }
        }
        const spec = (name: string) => cluster.spec.hosts.find((h) => h.name === name)!;
        const container = (name: string) => lab.hosts.find((h) => h.name === name)!.container;
        const address = (name: string) => lab.hosts.find((h) => h.name === name)!.address;
        /**
         * The switchover program as `redis-ha switchover` runs it (ops/stackCluster.ts runProgram), fed
         * to `bash -s` on stdin, the password inside it: no TypeScript check in front of it.
         */
        const atHost = (on: string, to: string | undefined) =>
            new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
                const program = stepProgram("switchover", switchoverVars(cluster.spec, spec(on), to === undefined ? undefined : spec(to)), cluster.password);
                const child = spawn("docker", ["exec", "-i", container(on), "bash", "-c", STEP_COMMAND]);
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
                child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
                child.on("error", reject);
                child.on("close", (code) => resolve({ status: code, stdout, stderr }));
                child.stdin.end(program);
            });
        const master = agreedMaster()!;
        const [first, second] = lab.hosts.map((h) => h.name).filter((n) => n !== master) as [string, string];
        const setPriority = (name: string, value: string) => assert.strictEqual(redisCli(container(name), lab.password, REDIS_PORT, "CONFIG", "SET", "replica-priority", value), "OK");
        const expected = (zero: string[] = []) => lab.hosts.map((h) => (zero.includes(h.name) ? "0" : "100"));
        /**
         * Runs the program, expects its refusal, then checks that nothing moved while the unsafe
         * condition still holds: the master, and the priorities (`zero`: those set to 0 by the test;
         * "later": a replica cannot answer now, so they are checked once it is back); `sentinelDownOn`:
         * the host whose sentinel the test stopped (the others must still agree).
         */
        async function refused(what: string, on: string, to: string | undefined, message: RegExp, zero: string[] | "later" = [], sentinelDownOn?: string): Promise<void> {
            const r = await atHost(on, to);
            assert.strictEqual(r.status, 1, `${what}: exit ${String(r.status)}\n${r.stdout}\n${r.stderr}`);
            assert.match(r.stderr, message, `${what}:\n${r.stdout}\n${r.stderr}`);
            assert.ok(!(r.stdout + r.stderr).includes(lab.password), `${what}: the program printed the password`);
            assert.strictEqual(agreedMaster(sentinelDownOn), master, `${what}: mastership moved`);
            if (zero !== "later") assert.deepStrictEqual(priorities(), expected(zero), `${what}: replica priorities changed`);
        }
        /** After putting the lab back: healthy as deployed, and the writer confirms new writes. */
        async function restored(what: string): Promise<void> {
            await eventually(`healthy again after ${what}`, 90, () => assert.strictEqual(status().code, 0));
            assert.strictEqual(agreedMaster(), master, `${what}: mastership moved`);
            assert.deepStrictEqual(priorities(), expected(), `${what}: replica priorities changed`);
            await writerConfirmsAfter(what);
        }

        await startWriter("ops:refusals:host", 600);
        await refused("run on a replica", first, undefined, /ERROR: this host is not the master Sentinel names \(/);
        await writerConfirmsAfter("the refusal on a replica");

        await refused("target is the master itself", master, master, new RegExp(`switchover refused: ${address(master)} is not a replica of this master`));
        await writerConfirmsAfter("the refusal of a target that is no replica");

        setPriority(second, "0");
        try {
            await refused("target with replica-priority 0", master, second, new RegExp(`switchover refused: ${address(second)} cannot take over: its replica-priority is 0 \\(never promoted\\)`), [second]);
            setPriority(first, "0");
            await refused("no replica eligible", master, undefined, /switchover refused: no replica can take over \(see above\)/, [first, second]);
        } finally {
            setPriority(first, "100");
            setPriority(second, "100");
        }
        await restored("the priority-0 refusals");

        // SIGSTOP: the target stays connected (state online) but stops acknowledging; more than RH_MAX_LAG (2 s) later it lags.
        const pid = (name: string) => onHost(container(name), `systemctl show -p MainPID --value ${SERVER_UNIT}`).trim();
        onHost(container(second), `kill -STOP ${pid(second)}`);
        try {
            await new Promise((r) => setTimeout(r, 5000));
            await refused("a lagging target", master, second, new RegExp(`switchover refused: ${address(second)} cannot take over: it last acknowledged \\d+s ago`), "later");
        } finally {
            onHost(container(second), `kill -CONT ${pid(second)}`);
        }
        await restored("the lagging-target refusal");

        onHost(container(second), `systemctl stop ${SENTINEL_UNIT}`);
        try {
            await refused("a sentinel down", master, undefined, new RegExp(`switchover refused: sentinel ${address(second)}:${SENTINEL_PORT} does not answer`), [], second);
        } finally {
            onHost(container(second), `systemctl start ${SENTINEL_UNIT}`);
        }
        await restored("the sentinel-down refusal");

        // A quorum above the sentinel count: that sentinel's CKQUORUM fails, every sentinel still answers.
        const quorum = (n: number) => assert.strictEqual(redisCli(container(first), lab.password, SENTINEL_PORT, "SENTINEL", "SET", "lab", "quorum", String(n)), "OK");
        quorum(4);
        try {
            await refused("no quorum", master, undefined, new RegExp(`switchover refused: SENTINEL CKQUORUM at ${address(first)}:${SENTINEL_PORT}: NOQUORUM`));
        } finally {
            quorum(2);
        }
        await restored("the no-quorum refusal");

        for (const n of [first, second]) onHost(container(n), `systemctl stop ${SERVER_UNIT}`);
        try {
            await refused("no replica connected", master, undefined, /switchover refused: no replica is connected to take over/, "later");
        } finally {
            for (const n of [first, second]) onHost(container(n), `systemctl start ${SERVER_UNIT}`);
        }
        await restored("the no-replica refusal");

        const report = await writer!.stop();
        writer = undefined;
        assertNothingLost(report, "the refused switchovers at the host");
        assert.strictEqual(agreedMaster(), master);
    });

    it("a new password rolls across the cluster under a writer: no data node restarts, no replica or sentinel refused, 0 confirmed writes lost; the old password is refused after", async () => {
        const old = lab.password;
        // A new random password (not the old one with a suffix: the file check below looks for the old one).
        const next = `rotated-${crypto.randomBytes(18).toString("base64url")}`;
        // Data nodes take a new password live; a sentinel is stopped before its file changes, as for any change of it.
        const pids = () => lab.hosts.map((h) => onHost(h.container, `systemctl show -p MainPID --value ${SERVER_UNIT}`).trim());
        const pidsBefore = pids();
        // Where each host's logs are now: what the rotation logs comes after.
        const marks = lab.hosts.map((h) => onHost(h.container, `for f in ${LOGS}; do wc -l <"$f"; done | paste -sd' ' -`).trim().split(" "));
        for (const h of lab.hosts) for (const port of [REDIS_PORT, SENTINEL_PORT]) assert.strictEqual(redisCli(h.container, old, port, "ACL", "LOG", "RESET"), "OK");
        await startWriter("ops:rotation");
        await stack.setConfig("redis-ha:password", { value: next, secret: true });
        await stack.up();
        // The writer's connections were opened with the old password: they stay logged in.
        await writerConfirmsAfter("the rotation");
        const report = await writer!.stop(next);
        writer = undefined;
        assertNothingLost(report, "password rotation");
        assert.strictEqual(report.errors, 0, `the writer got errors during the rotation: ${JSON.stringify(report)}`);
        lab.password = next;

        assert.deepStrictEqual(pids(), pidsBefore, "a data node restarted for a new password");
        // The file checks below first find a planted old grant (the leftover they exist for), then it goes.
        const ours = "find /etc/redis-ha/lab -type f";
        const userDefaultLines = (container: string) =>
            onHost(container, "grep -rhE '^user default ' /etc/redis-ha/lab || true")
                .split("\n")
                .filter((l) => l.trim() !== "");
        const canary = "/etc/redis-ha/lab/operations-spec-canary.conf";
        const first = lab.hosts[0]!.container;
        onHost(first, `umask 077; printf 'user default on #%s ~* &* +@all\\n' "$REDISCLI_AUTH" > ${canary}`, sha256(old));
        try {
            assert.strictEqual(onHost(first, grepFiles(ours), sha256(old)).trim(), canary, "the file check misses an old `#<sha256>` grant");
            assert.ok(userDefaultLines(first).some((l) => l.includes(`#${sha256(old)}`)), "the `user default` check misses an old grant");
        } finally {
            onHost(first, `rm -f ${canary}`);
        }
        lab.hosts.forEach((h, n) => {
            const [redisMark, sentinelMark] = marks[n]!;
            const logged = onHost(h.container, `tail -n +$((${redisMark} + 1)) /var/log/redis-ha/lab/redis.log; tail -n +$((${sentinelMark} + 1)) /var/log/redis-ha/lab/sentinel.log`);
            // A replica or sentinel refused by what it connects to logs it (NOAUTH/WRONGPASS, then +sdown after down-after).
            assert.doesNotMatch(logged, /NOAUTH|WRONGPASS|AUTH failed|\+sdown|-odown|\+odown/i, `${h.name} logged a refused login during the rotation:\n${logged}`);
            for (const port of [REDIS_PORT, SENTINEL_PORT]) {
                // Every refused login is an ACL LOG entry (reason auth): none, on any data node or sentinel.
                assert.strictEqual(redisCli(h.container, next, port, "ACL", "LOG"), "", `${h.name}:${port}: ACL LOG has entries`);
                assert.strictEqual(redisCli(h.container, next, port, "PING"), "PONG", `${h.name}:${port} refuses the new password`);
                assert.match(redisCli(h.container, old, port, "PING"), /WRONGPASS|NOAUTH/, `${h.name}:${port} still takes the old password`);
                // Live, as Redis holds it (SHA-256 hashes): the new password's alone; the messages name no hash.
                const hashes = redisCli(h.container, next, port, "ACL", "GETUSER", "default").split("\n").filter((l) => /^[0-9a-f]{64}$/.test(l));
                assert.ok(!hashes.includes(sha256(old)), `${h.name}:${port}: the default user still holds the old password's hash`);
                assert.deepStrictEqual([hashes.length, hashes[0] === sha256(next)], [1, true], `${h.name}:${port} accepts ${hashes.length} passwords, the new one ${hashes.includes(sha256(next)) ? "among them" : "not among them"}`);
            }
            // What a restart reads: the new password, and the old one nowhere in our files, neither in
            // plain text nor as the `#<sha256>` a CONFIG REWRITE or Sentinel's own rewrite writes in `user` lines.
            // grepFiles takes the pattern from REDISCLI_AUTH: neither secret nor hash is ever on a command line.
            assert.strictEqual(onHost(h.container, `grep -lF -- "$REDISCLI_AUTH" /etc/redis-ha/lab/redis.conf /etc/redis-ha/lab/sentinel.conf | wc -l`, next).trim(), "2", h.name);
            assert.strictEqual(onHost(h.container, grepFiles(ours), old).trim(), "", `${h.name} keeps the old password in a file`);
            assert.strictEqual(onHost(h.container, grepFiles(ours), sha256(old)).trim(), "", `${h.name} keeps the old password's hash in a file (a \`user ... #<sha256>\` grant)`);
            // Every `user default` line written into our files grants the new password alone.
            const userLines = userDefaultLines(h.container);
            const granted = userLines.map((l) => (l.match(/#[0-9a-f]{64}/g) ?? []).map((t) => t.slice(1)));
            assert.ok(userLines.length > 0, `${h.name}: no \`user default\` line in /etc/redis-ha/lab (Sentinel's own rewrite writes one)`);
            granted.forEach((g, i) => assert.deepStrictEqual([g.length, g[0] === sha256(next)], [1, true], `${h.name}: \`user default\` line ${i + 1} grants ${g.length} password hash(es), the new one ${g.includes(sha256(next)) ? "among them" : "not among them"}`));
        });
        // Everyone who connects from now on: a client with the new password, status and the stack.
        await startWriter("ops:rotation:after");
        assertNothingLost(await writer!.stop(), "a client with the new password");
        writer = undefined;
        assert.strictEqual(status().code, 0);
        const again = await stack.up();
        assert.deepStrictEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"], JSON.stringify(again.summary.resourceChanges));
    });
});
