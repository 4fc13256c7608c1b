/**
 * Upgrading redis-ha on a running cluster: state written by the previous release (PREVIOUS, whose
 * steps carried their programs whole), then this release's `up` (the programs installed once per
 * host, steps carrying inputs), with a client writing throughout. Nothing may be lost or restarted,
 * a refresh afterwards finds nothing, and a removal written by the previous release (a host leaving
 * before anything else ran on the new release) still removes cleanly.
 *
 * The previous release runs from a git worktree of this repository at PREVIOUS, its node_modules this
 * checkout's (the same lockfile), as the same kind of inline program.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { CounterReport, CounterWriter, startCounterWriter } from "../../examples/visit-counter/counter";
import { installedFiles } from "../../components/remote/payload";
import { TestLab, assertNothingLost, createTestLab, labLeftovers, mainPid, notRun, onHost, redisCli } from "./labHarness";

/** The last release before steps carried inputs instead of programs. */
const PREVIOUS = "6a621c5";
const LAB = "rhtupg";
const ROOT = path.resolve(__dirname, "..", "..");
const SERVER_UNIT = "redis-ha-lab-server.service";
const SENTINEL_UNIT = "redis-ha-lab-sentinel.service";

type Program = (resourceName?: string) => Record<string, unknown>;

describe(`upgrading a running cluster from the previous release (${PREVIOUS})`, function () {
    this.timeout(20 * 60 * 1000);
    let lab: TestLab | undefined;
    let tree = "";
    let previous: Program;
    let writer: CounterWriter | undefined;

    before(function () {
        try {
            execFileSync("git", ["-C", ROOT, "cat-file", "-e", `${PREVIOUS}^{commit}`], { stdio: "ignore" });
        } catch {
            notRun(this, "upgrade from the previous release", `this repository's git history (commit ${PREVIOUS})`);
        }
        tree = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-previous-"));
        execFileSync("git", ["-C", ROOT, "worktree", "add", "--detach", tree, PREVIOUS], { stdio: "ignore" });
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(tree, "node_modules"));
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the previous release's program, loaded from its worktree
        previous = (require(path.join(tree, "stack", "program.ts")) as { redisHaStack: Program }).redisHaStack;
    });

    after(async () => {
        if (writer) await writer.stop().catch(() => undefined);
        if (lab) await lab.destroy();
        if (tree) execFileSync("git", ["-C", ROOT, "worktree", "remove", "--force", tree], { stdio: "ignore" });
        assert.strictEqual(labLeftovers(LAB), "", "the test lab left containers or networks behind");
    });

    const pids = (l: TestLab, hosts = l.hosts) => hosts.map((h) => `${mainPid(h.container, SERVER_UNIT)}/${mainPid(h.container, SENTINEL_UNIT)}`);

    async function startWriter(l: TestLab, key: string, hosts = l.hosts): Promise<void> {
        writer = startCounterWriter({ masterName: "lab", sentinels: hosts.map((h) => ({ host: h.address, port: 26389 })), password: l.password, key, maxSeconds: 300 });
        await writer.ready;
    }
    async function stopWriter(during: string): Promise<CounterReport> {
        assert.ok(writer, "writer running");
        const report = await writer.stop();
        writer = undefined;
        assertNothingLost(report, during);
        return report;
    }

    // The fourth host runs a replica deployed by the previous release and leaves the cluster in the new
    // release's first update: its removal is the one the previous release wrote into state.
    const four = { "redis-ha:replicas": ["lab-2", "lab-3", "lab-4"] };

    it("updates every step in place, restarts nothing, loses no write, and removes a host with the previous release's removal", async () => {
        lab = await createTestLab(LAB, "10.177.93", 4);
        const members = lab.hosts.slice(0, 3);
        const fourth = lab.hosts[3]!;
        await (await lab.cluster({ config: four, program: previous })).up();
        const before = pids(lab, members);
        assert.strictEqual(onHost(fourth.container, `systemctl is-active ${SERVER_UNIT}`).trim(), "active");
        assert.strictEqual(onHost(members[0]!.container, "ls -d /var/lib/redis-ha/lab.programs 2>/dev/null | wc -l").trim(), "0", "the previous release installs no programs");

        await startWriter(lab, "upgrade:counter", members);
        const up = await (await lab.cluster()).up();
        await stopWriter("the upgrade");
        const changes = up.summary.resourceChanges ?? {};
        assert.strictEqual(changes.create, members.length, `only the programs' install steps are new: ${JSON.stringify(changes)}`);
        assert.strictEqual(changes.replace, undefined, JSON.stringify(changes));
        assert.deepStrictEqual(pids(lab, members), before, "the upgrade restarted a data node or a sentinel");
        for (const h of members) {
            const installed = onHost(h.container, "ls /var/lib/redis-ha/lab.programs | grep -c '^[0-9a-f]\\{64\\}\\.sh$'").trim();
            assert.strictEqual(installed, String(installedFiles().length), h.name);
        }
        // The fourth host: removed by the removal its step had in the previous release's state.
        assert.strictEqual(onHost(fourth.container, "systemctl list-unit-files 'redis-ha-*' --no-legend | wc -l").trim(), "0");
        assert.strictEqual(onHost(fourth.container, "ls -d /etc/redis-ha /var/lib/redis-ha /var/log/redis-ha 2>/dev/null | wc -l").trim(), "0");
        assert.strictEqual(onHost(fourth.container, "systemctl is-active redis-server").trim(), "active", "the host's own Redis");
        const master = redisCli(members[0]!.container, lab.password, 26389, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lab").split("\n")[0]!;
        const masterHost = lab.hosts.find((h) => h.address === master)!;
        assert.strictEqual(redisCli(masterHost.container, lab.password, 6389, "INFO", "replication").match(/^connected_slaves:(\d+)/m)?.[1], "2");
        assert.strictEqual(redisCli(members[0]!.container, lab.password, 26389, "SENTINEL", "CKQUORUM", "lab").split("\n")[0], "OK 3 usable Sentinels. Quorum and failover authorization can be reached");
    });

    it("then a refresh finds nothing, a second up changes nothing, and destroy leaves nothing of ours", async () => {
        assert.ok(lab);
        const stack = await lab.cluster();
        const refresh = await stack.preview({ refresh: true, expectNoChanges: true });
        assert.deepStrictEqual(Object.keys(refresh.changeSummary).filter((k) => k !== "same"), []);
        const before = pids(lab, lab.hosts.slice(0, 3));
        const again = await stack.up();
        assert.deepStrictEqual(Object.keys(again.summary.resourceChanges ?? {}).filter((k) => k !== "same"), []);
        assert.deepStrictEqual(pids(lab, lab.hosts.slice(0, 3)), before);
        await stack.destroy();
        for (const h of lab.hosts) {
            assert.strictEqual(onHost(h.container, "ls -d /etc/redis-ha /var/lib/redis-ha /var/log/redis-ha /etc/systemd/system/redis-ha-* 2>/dev/null | wc -l").trim(), "0", h.name);
            assert.strictEqual(onHost(h.container, "systemctl is-active redis-server").trim(), "active", h.name);
        }
    });
});
