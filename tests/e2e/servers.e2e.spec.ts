/**
 * The servers and distributions besides the rest of the suite's Debian 12 + Redis 7.0: Debian 13
 * (trixie) with its Redis 8.0 and with Valkey 8.1 (`server: valkey`), each on a lab of its own whose
 * existing server on 6379 is that same server (Valkey's lab runs Debian's valkey-server there). Each:
 * deploy (every node and sentinel runs what was asked, as its package's user), a second up that
 * changes and restarts nothing, a switchover, a rolling change and a killed master with a writer
 * whose every confirmed write is checked, a directive the host's version lacks refused before any
 * host changes (a switch to the other server: migration.e2e.spec.ts), a password rotation under a writer, and a
 * destroy that leaves the existing server as it was; all of it with ACL users and the exporters on.
 *
 * Which entries run: REDIS_HA_IMAGES (scripts/test.sh sets what fits CI's time; `bookworm` is the
 * rest of the suite). An entry left out, or without its lab image, is reported as not run.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import { Stack } from "@pulumi/pulumi/automation";
import type { ClusterStatus } from "../../ops/status";
import { ACL_DEFAULTS, METRICS_DEFAULTS } from "../../components/config/defaults";
import { CounterReport, startCounterWriter } from "../../examples/visit-counter/counter";
import { TestLab, clusterStatus, assertNothingLost, assertStillWriting, createTestLab, eventually, mainPid, metric, notRun, onHost, redisCli, scrape, serverIdentity } from "./labHarness";
import { DURABILITY_CONFIG, FAULT_SCENARIOS, FaultScenario, OPERATION_SCENARIOS, runFault, waitHealthy } from "./faultScenarios";

const UNITS = ["redis-ha-lab-server.service", "redis-ha-lab-sentinel.service"];

interface MatrixEntry {
    /** Its name in REDIS_HA_IMAGES. */
    id: string;
    server: "redis" | "valkey";
    /** Debian's unit of the same server, which holds 6379 on the lab's hosts (the existing server). */
    existingUnit: string;
    /** `<server> <version>` as redis-ha status and INFO report it. */
    identity: RegExp;
    /** The account the server's package creates (our units run as it). */
    user: string;
    /** A directive of the other server's config table that this one lacks: the preflight must refuse it. */
    lackedDirective: { name: string; value: string };
    lab: string;
    subnet: string;
}

const MATRIX: MatrixEntry[] = [
    {
        id: "trixie-redis",
        server: "redis",
        existingUnit: "redis-server.service",
        identity: /^redis 8\.0\.\d+$/,
        user: "redis",
        lackedDirective: { name: "import-mode", value: "no" },
        lab: "rhtsvr",
        subnet: "10.177.96",
    },
    {
        id: "trixie-valkey",
        server: "valkey",
        existingUnit: "valkey-server.service",
        identity: /^valkey 8\.1\.\d+$/,
        user: "valkey",
        lackedDirective: { name: "replica-full-sync-buffer-limit", value: "0" },
        lab: "rhtsvv",
        subnet: "10.177.97",
    },
];

const wanted = (process.env.REDIS_HA_IMAGES ?? "").split(",").map((s) => s.trim());
const scenario = (list: FaultScenario[], name: string) => list.find((s) => s.name === name)!;

for (const entry of MATRIX) {
    describe(`${entry.server} on Debian 13 (${entry.id}): deploy, no-op, switchover, rolling change, failover, refusals, destroy`, function () {
        this.timeout(20 * 60 * 1000);
        let lab: TestLab;
        let stack: Stack;
        const existing: Record<string, string> = {};
        // ACL users and the exporters from the first deploy: every step below runs with them.
        const config = { ...DURABILITY_CONFIG, "redis-ha:server": entry.server, "redis-ha:acl": { enabled: true }, "redis-ha:metrics": { enabled: true } };

        const status = (): ClusterStatus => clusterStatus(lab, stack);
        const pids = () => lab.hosts.flatMap((h) => UNITS.map((u) => `${h.name} ${u} ${mainPid(h.container, u)}`));
        const unitFiles = () => lab.hosts.map((h) => onHost(h.container, `sha256sum ${UNITS.map((u) => `/etc/systemd/system/${u}`).join(" ")}`)).join("");

        before(async function () {
            if (!wanted.includes(entry.id)) notRun(this, `servers spec ${entry.id}`, `REDIS_HA_IMAGES to include ${entry.id} (it is: ${wanted.join(",") || "unset"})`);
            const image = process.env.LAB_IMAGE_TRIXIE;
            if (!image) notRun(this, `servers spec ${entry.id}`, "the trixie lab image (LAB_IMAGE_TRIXIE, built by scripts/prepare.sh when REDIS_HA_IMAGES names a trixie entry)");
            lab = await createTestLab(entry.lab, entry.subnet, 3, { image, clusterConfig: config });
            for (const h of lab.hosts) {
                // The image's existing server is Debian's Redis; Valkey's lab runs Debian's Valkey there instead.
                if (entry.existingUnit !== "redis-server.service") onHost(h.container, `systemctl disable --now redis-server.service && systemctl enable --now ${entry.existingUnit}`);
                await eventually(`${h.name}: ${entry.existingUnit} answers on 6379`, 30, () => assert.strictEqual(onHost(h.container, "redis-cli -p 6379 PING").trim(), "PONG"));
                // Saved: the killed-master test restarts a host, and Debian's config saves only after a while.
                onHost(h.container, "redis-cli -p 6379 SET existing:canary kept >/dev/null && redis-cli -p 6379 SAVE >/dev/null");
                existing[h.name] = mainPid(h.container, entry.existingUnit);
            }
            stack = await lab.cluster();
        });

        after(async () => {
            if (lab) await lab.destroy();
        });

        it(`deploys: every node and sentinel runs ${entry.server} as ${entry.user}, one master and two linked replicas, status shows what runs`, async () => {
            await stack.up();
            const master = await waitHealthy(lab);
            for (const h of lab.hosts) {
                for (const port of [6389, 26389]) {
                    assert.match(serverIdentity(h.container, lab.password, port), entry.identity, `${h.name}:${port}`);
                }
                for (const unit of UNITS) {
                    assert.strictEqual(onHost(h.container, `systemctl show -p User --value ${unit}`).trim(), entry.user, `${h.name} ${unit}`);
                    assert.match(onHost(h.container, `systemctl show -p ExecStart --value ${unit}`), new RegExp(`path=/usr/bin/${entry.server}-server `), `${h.name} ${unit}`);
                }
            }
            assert.strictEqual(master.name, "lab-1");
            const s = status();
            assert.deepStrictEqual([s.healthy, s.master, s.problems], [true, "lab-1", []]);
            for (const h of s.hosts) {
                assert.match(h.redis?.server ?? "", entry.identity, h.host);
                assert.match(h.sentinel?.server ?? "", entry.identity, h.host);
            }
        });

        it("a second up changes nothing and restarts nothing", async () => {
            const before = pids();
            await stack.preview({ expectNoChanges: true, refresh: true });
            const up = await stack.up();
            assert.deepStrictEqual(Object.keys(up.summary.resourceChanges ?? {}).filter((k) => k !== "same"), [], JSON.stringify(up.summary.resourceChanges));
            assert.deepStrictEqual(pids(), before);
        });

        // The rolling change restarts every node, and hands mastership over each time it reaches the
        // master of the moment, so where mastership ends depends on where it started.
        for (const [list, name, failover] of [
            [OPERATION_SCENARIOS, "switchover", true],
            [OPERATION_SCENARIOS, "rolling-change", undefined],
            [FAULT_SCENARIOS, "master-killed", true],
        ] as const) {
            it(`${scenario(list, name).description}: ${failover ? "mastership moves, " : "every node restarted, "}every confirmed write kept`, async () => {
                const servers = () => lab.hosts.map((h) => mainPid(h.container, UNITS[0]!));
                const before = servers();
                const result = await runFault(lab, scenario(list, name), { waitReplicas: 1, key: `servers:${entry.server}:${name}` });
                if (failover === undefined) {
                    const after = servers();
                    assert.ok(before.every((pid, i) => pid !== after[i]), `not every data node restarted: ${before.join(",")} -> ${after.join(",")}`);
                }
                // A killed host starts its existing server again too: from here on it is that process that must stay untouched.
                if (name === "master-killed") {
                    const killed = lab.hosts.find((h) => h.name === result.oldMaster)!;
                    existing[killed.name] = mainPid(killed.container, entry.existingUnit);
                }
                console.log(`      ${result.confirmed} confirmed, ${result.unconfirmed} unconfirmed, ${result.errors} refused, ${result.lost} lost, longest gap ${result.writeOutageSeconds} s`);
                if (failover !== undefined) assert.strictEqual(result.failedOver, failover, JSON.stringify(result));
                assert.strictEqual(result.lost, 0, `confirmed writes lost: ${JSON.stringify(result)}`);
                assert.ok(result.confirmed > 40, JSON.stringify(result));
                // What the server and Sentinel rewrote of their files on the way (Valkey writes its own names) is no drift.
                const s = status();
                assert.deepStrictEqual([s.healthy, s.problems], [true, []], `after ${name}`);
            });
        }

        it(`refuses, before any host changes, a directive this ${entry.server} lacks (${entry.lackedDirective.name})`, async () => {
            await waitHealthy(lab);
            // The rolling change left maxclients set: the config deployed last is the base of both attempts.
            const deployed = (await stack.getAllConfig())["redis-ha:redis"]?.value ?? "{}";
            const redis = JSON.parse(deployed) as Record<string, unknown>;
            const before = { pids: pids(), units: unitFiles(), conf: lab.hosts.map((h) => onHost(h.container, "sha256sum /etc/redis-ha/lab/redis.conf.managed")).join("") };
            const lacked = await lab.cluster({ config: { "redis-ha:redis": { ...redis, extraDirectives: { [entry.lackedDirective.name]: entry.lackedDirective.value } } } });
            await assert.rejects(lacked.up(), new RegExp(`${entry.server} 8\\.\\d+\\.\\d+ here does not accept: ${entry.lackedDirective.name}; remove them from the stack's redis settings`));
            const after = { pids: pids(), units: unitFiles(), conf: lab.hosts.map((h) => onHost(h.container, "sha256sum /etc/redis-ha/lab/redis.conf.managed")).join("") };
            assert.deepStrictEqual(after, before, "a refused update changed a host");
            stack = await lab.cluster({ config: { "redis-ha:redis": redis } });
            await stack.up();
            await waitHealthy(lab);
            assert.deepStrictEqual(pids(), before.pids, "the up after the refusal restarted something");
        });

        it(`on ${entry.server}, ACL users and the exporters, then a password rotation under a writer: replicas log in as the replication user, redis_up 1, the old password refused everywhere, nothing lost`, async () => {
            const master = await waitHealthy(lab);
            const replicas = redisCli(master.container, lab.password, 6389, "CLIENT", "LIST", "TYPE", "replica");
            assert.strictEqual(replicas.match(new RegExp(` user=${ACL_DEFAULTS.replicationUser} `, "g"))?.length, 2, replicas);
            for (const h of lab.hosts) {
                for (const port of [METRICS_DEFAULTS.redisExporterPort, METRICS_DEFAULTS.sentinelExporterPort]) {
                    await eventually(`${h.name}:${port} redis_up 1`, 30, async () => assert.strictEqual(metric(await scrape(h.address, port), "redis_up"), "1"));
                }
            }

            const old = lab.password;
            const writer = startCounterWriter({ masterName: "lab", sentinels: lab.hosts.map((h) => ({ host: h.address, port: 26389 })), password: old, key: `servers:${entry.server}:rotation`, waitReplicas: 1, maxSeconds: 300 });
            let report: CounterReport | undefined;
            try {
                await writer.ready;
                await assertStillWriting(writer, "before the rotation");
                const next = `rotated-${crypto.randomBytes(18).toString("base64url")}`;
                await stack.setConfig("redis-ha:password", { value: next, secret: true });
                await stack.up();
                lab.password = next;
                await waitHealthy(lab);
                await assertStillWriting(writer, "after the rotation");
            } finally {
                report = await writer.stop(lab.password);
            }
            assertNothingLost(report, `the rotation on ${entry.server}`);
            for (const h of lab.hosts) {
                for (const port of [6389, 26389]) {
                    assert.match(onHost(h.container, `redis-cli --no-auth-warning -p ${port} PING 2>&1 || true`, old), /WRONGPASS|invalid username-password|NOAUTH/, `${h.name}:${port} still takes the old password`);
                    assert.strictEqual(redisCli(h.container, lab.password, port, "PING"), "PONG", `${h.name}:${port}`);
                }
            }
            assert.deepStrictEqual(status().problems, []);
        });

        it(`destroy leaves nothing of ours; the existing ${entry.existingUnit} on 6379 kept its process and its data`, async () => {
            await stack.destroy();
            for (const h of lab.hosts) {
                assert.strictEqual(onHost(h.container, "ls /etc/systemd/system | grep -c '^redis-ha-' || true").trim(), "0", h.name);
                assert.strictEqual(onHost(h.container, "ls -d /etc/redis-ha /var/lib/redis-ha /var/log/redis-ha 2>/dev/null | wc -l").trim(), "0", h.name);
                assert.strictEqual(mainPid(h.container, entry.existingUnit), existing[h.name], `${h.name}: ${entry.existingUnit} was restarted`);
                assert.strictEqual(onHost(h.container, "redis-cli -p 6379 GET existing:canary").trim(), "kept", h.name);
            }
        });
    });
}
