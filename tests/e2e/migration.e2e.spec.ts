/**
 * A live cluster moved to the other server (`server: redis` <-> `valkey`) by that one setting, with
 * a writer whose every confirmed write is checked: replicas first, mastership handed to a node of
 * the new server last, sentinels after; every service then runs the new server as its package's
 * account, the shared directories and files belong to it, and a second up changes nothing. The way
 * back is refused before any host changes, because on Debian's packages it needs an RDB format the
 * old server cannot read: Debian 12's Redis 7.0 reads format 10, bookworm-backports' Valkey 8.0
 * writes 11; Debian 13's Valkey 8.1 reads 11, its Redis 8.0 writes 12. So each image moves one way:
 * Debian 12 from Redis to Valkey, Debian 13 from Valkey to Redis.
 *
 * Which entries run: REDIS_HA_IMAGES (as the servers spec): `bookworm` (Redis -> Valkey, in the
 * default run) and `trixie-redis` (Valkey -> Redis); an entry left out, or without its lab image,
 * is reported as not run.
 */
import * as assert from "assert";
import { Stack } from "@pulumi/pulumi/automation";
import type { ClusterStatus } from "../../ops/status";
import { TestLab, clusterStatus, createTestLab, mainPid, notRun, onHost, serverIdentity } from "./labHarness";
import { DURABILITY_CONFIG, SERVER_SWITCH, runFault, serverOf, waitHealthy } from "./faultScenarios";

const UNITS = ["redis-ha-lab-server.service", "redis-ha-lab-sentinel.service"];
const DIRS = "/etc/redis-ha/lab /var/lib/redis-ha/lab /var/log/redis-ha/lab";

interface Migration {
    /** Its name in REDIS_HA_IMAGES. */
    id: string;
    /** The lab image's environment variable. */
    imageVar: "LAB_IMAGE" | "LAB_IMAGE_TRIXIE";
    from: "redis" | "valkey";
    to: "redis" | "valkey";
    /** `<server> <version>` before and after, as INFO reports them. */
    fromIdentity: RegExp;
    toIdentity: RegExp;
    /** The refusal of the way back: the old server cannot read what the new one writes. */
    backRefused: RegExp;
    lab: string;
    subnet: string;
}

const MIGRATIONS: Migration[] = [
    {
        id: "bookworm",
        imageVar: "LAB_IMAGE",
        from: "redis",
        to: "valkey",
        fromIdentity: /^redis 7\.0\.\d+$/,
        toIdentity: /^valkey 8\.0\.\d+$/,
        backRefused: /redis 7\.0\.\d+ cannot read the RDB files valkey-server 8\.0\.\d+ writes \(format 11; it says: .*Can't handle RDB format version 11/,
        lab: "rhtmgb",
        subnet: "10.177.98",
    },
    {
        // Debian 13's Redis is where it ends; in the opt-in entry, to keep the default run within CI's time.
        id: "trixie-redis",
        imageVar: "LAB_IMAGE_TRIXIE",
        from: "valkey",
        to: "redis",
        fromIdentity: /^valkey 8\.1\.\d+$/,
        toIdentity: /^redis 8\.0\.\d+$/,
        backRefused: /valkey 8\.1\.\d+ cannot read the RDB files redis-server 8\.0\.\d+ writes \(format 12; it says: .*RDB format version 12/,
        lab: "rhtmgt",
        subnet: "10.177.99",
    },
];

const wanted = (process.env.REDIS_HA_IMAGES ?? "").split(",").map((s) => s.trim());

for (const m of MIGRATIONS) {
    describe(`migration from ${m.from} to ${m.to} (${m.id}): a live cluster moved by one setting, nothing lost, the way back refused`, function () {
        this.timeout(20 * 60 * 1000);
        let lab: TestLab;
        let stack: Stack;
        const existing: Record<string, string> = {};
        const config = { ...DURABILITY_CONFIG, "redis-ha:server": m.from, "redis-ha:acl": { enabled: true }, "redis-ha:metrics": { enabled: true } };
        const migrated = { ...config, "redis-ha:server": m.to };

        const status = (): ClusterStatus => clusterStatus(lab, stack);
        const pids = () => lab.hosts.flatMap((h) => UNITS.map((u) => `${h.name} ${u} ${mainPid(h.container, u)}`));
        /** When each unit's process started, on the clock every container shares (the host's monotonic clock). */
        const startedAt = (container: string, unit: string) => Number(onHost(container, `systemctl show -p ExecMainStartTimestampMonotonic --value ${unit}`).trim());

        before(async function () {
            if (!wanted.includes(m.id)) notRun(this, `migration spec ${m.id}`, `REDIS_HA_IMAGES to include ${m.id} (it is: ${wanted.join(",") || "unset"})`);
            const image = process.env[m.imageVar];
            if (!image) notRun(this, `migration spec ${m.id}`, `its lab image (${m.imageVar}, built by scripts/prepare.sh)`);
            lab = await createTestLab(m.lab, m.subnet, 3, { image, clusterConfig: config });
            for (const h of lab.hosts) {
                onHost(h.container, "redis-cli -p 6379 SET existing:canary kept >/dev/null && redis-cli -p 6379 SAVE >/dev/null");
                existing[h.name] = mainPid(h.container, "redis-server.service");
            }
            stack = await lab.cluster();
            await stack.up();
            await waitHealthy(lab);
            for (const h of lab.hosts) for (const port of [6389, 26389]) assert.match(serverIdentity(h.container, lab.password, port), m.fromIdentity, `${h.name}:${port} before`);
        });

        after(async () => {
            if (lab) await lab.destroy();
        });

        it(`\`server: ${m.to}\` under a writer (WAIT 1): replicas first, the master last, sentinels after; every confirmed write kept`, async () => {
            const master = await waitHealthy(lab);
            const result = await runFault(lab, SERVER_SWITCH, { waitReplicas: 1, key: `migration:${m.id}` });
            console.log(`      ${result.confirmed} confirmed, ${result.unconfirmed} unconfirmed, ${result.errors} refused, ${result.lost} lost, longest gap ${result.writeOutageSeconds} s, up ${result.stepSeconds} s`);
            assert.strictEqual(result.lost, 0, `confirmed writes lost: ${JSON.stringify(result)}`);
            assert.ok(result.confirmed > 40, JSON.stringify(result));
            assert.strictEqual(result.failedOver, true, "mastership did not move to a node of the new server");
            // The order: every data node restarted before any sentinel, the master of the start last of them.
            const data = lab.hosts.map((h) => ({ name: h.name, at: startedAt(h.container, UNITS[0]!) }));
            const sentinels = lab.hosts.map((h) => startedAt(h.container, UNITS[1]!));
            assert.ok(Math.max(...data.map((d) => d.at)) < Math.min(...sentinels), `a sentinel moved before the last data node: ${JSON.stringify({ data, sentinels })}`);
            assert.strictEqual([...data].sort((a, b) => a.at - b.at).pop()!.name, master.name, `the master of the start (${master.name}) did not move last: ${JSON.stringify(data)}`);
        });

        it(`every node and sentinel runs ${m.to} as ${m.to}, which owns our directories and files; status healthy, no drift; the existing Redis untouched`, async () => {
            await waitHealthy(lab);
            for (const h of lab.hosts) {
                for (const port of [6389, 26389]) assert.match(serverIdentity(h.container, lab.password, port), m.toIdentity, `${h.name}:${port}`);
                assert.strictEqual(serverOf(h), m.to, h.name);
                for (const unit of UNITS) assert.strictEqual(onHost(h.container, `systemctl show -p User --value ${unit}`).trim(), m.to, `${h.name} ${unit}`);
                assert.strictEqual(onHost(h.container, `stat -c '%U:%G %a' ${DIRS}`).trim(), Array(3).fill(`${m.to}:${m.to} 750`).join("\n"), h.name);
                // Nothing of ours is left to the old server's account (the .managed copies and owner files are root's).
                assert.strictEqual(onHost(h.container, `find ${DIRS} \\( -user ${m.from} -o -group ${m.from} \\) -print`).trim(), "", `${h.name}: files of ${m.from}`);
                assert.strictEqual(mainPid(h.container, "redis-server.service"), existing[h.name], `${h.name}: the existing Redis restarted`);
                assert.strictEqual(onHost(h.container, "redis-cli -p 6379 GET existing:canary").trim(), "kept", h.name);
            }
            const s = status();
            assert.deepStrictEqual([s.healthy, s.problems], [true, []]);
            for (const h of s.hosts) {
                assert.match(h.redis?.server ?? "", m.toIdentity, h.host);
                assert.match(h.sentinel?.server ?? "", m.toIdentity, h.host);
            }
        });

        it("a second up changes nothing and restarts nothing", async () => {
            stack = await lab.cluster({ config: migrated });
            const before = pids();
            await stack.preview({ expectNoChanges: true, refresh: true });
            const up = await stack.up();
            assert.deepStrictEqual(Object.keys(up.summary.resourceChanges ?? {}).filter((k) => k !== "same"), [], JSON.stringify(up.summary.resourceChanges));
            assert.deepStrictEqual(pids(), before);
        });

        it(`refuses the way back to ${m.from} before any host changes: ${m.from} cannot read what ${m.to} writes`, async () => {
            // The RDB check's scratch servers and file leave nothing behind in /tmp either.
            const state = () => ({ pids: pids(), units: lab.hosts.map((h) => onHost(h.container, `sha256sum ${UNITS.map((u) => `/etc/systemd/system/${u}`).join(" ")}`)).join(""), tmp: lab.hosts.map((h) => onHost(h.container, "ls -A /tmp")) });
            const before = state();
            const back = await lab.cluster({ config: config });
            await assert.rejects(back.up(), m.backRefused);
            const after = state();
            assert.deepStrictEqual(after, before, "a refused update changed a host");
        });

        it("destroy leaves nothing of ours; the existing Redis on 6379 kept its process and its data", async () => {
            stack = await lab.cluster({ config: migrated });
            await stack.destroy();
            for (const h of lab.hosts) {
                assert.strictEqual(onHost(h.container, "ls /etc/systemd/system | grep -c '^redis-ha-' || true").trim(), "0", h.name);
                assert.strictEqual(onHost(h.container, "ls -d /etc/redis-ha /var/lib/redis-ha /var/log/redis-ha 2>/dev/null | wc -l").trim(), "0", h.name);
                assert.strictEqual(mainPid(h.container, "redis-server.service"), existing[h.name], h.name);
                assert.strictEqual(onHost(h.container, "redis-cli -p 6379 GET existing:canary").trim(), "kept", h.name);
            }
        });
    });
}
