/**
 * Foundation acceptance, on the real engine and a real lab: fresh deploy, the existing Redis left
 * alone, a second `up` that changes and restarts nothing, and a clean destroy.
 */
import * as assert from "assert";
import * as fs from "fs";
import Redis from "ioredis";
import { Stack, UpResult } from "@pulumi/pulumi/automation";
import { TestLab, createTestLab, eventually, field, grepFiles, labLeftovers, mainPid, onHost, redisCli } from "./labHarness";

const LAB = "rhtest";
const REDIS_PORT = 6389;
const SENTINEL_PORT = 26389;
const SERVER_UNIT = "redis-ha-lab-server.service";
const SENTINEL_UNIT = "redis-ha-lab-sentinel.service";
/** A regression bound on the state a host costs (measured: see README "Performance"), not the goal of 15 KB. */
const STATE_BYTES_PER_HOST = 85_000;

/**
 * What must not change on the existing Redis: its process, every file of Debian's instance (config
 * directory, data directory, unit files and drop-ins), and its log directory's listing (the log
 * itself grows on its own).
 */
function existingRedisFingerprint(container: string): string {
    return onHost(
        container,
        [
            "echo active=$(systemctl is-active redis-server) pid=$(systemctl show -p MainPID --value redis-server) enabled=$(systemctl is-enabled redis-server)",
            "find /etc/redis /var/lib/redis /lib/systemd/system/redis-server.service /etc/systemd/system/redis-server.service.d /etc/systemd/system/redis.service -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum",
            "find /etc/redis /var/lib/redis /var/log/redis -printf '%p %m %u:%g\\n' | sort",
            "ls -1 /var/log/redis",
        ].join("; "),
    ).trim();
}

describe("RedisHaCluster on the lab (real engine, real SSH, real systemd)", function () {
    this.timeout(15 * 60 * 1000);
    let lab: TestLab;
    let stack: Stack;
    const existingBefore: Record<string, string> = {};
    let master = "";
    let replicas: string[] = [];
    let firstUp: UpResult | undefined;

    before(async () => {
        lab = await createTestLab(LAB, "10.177.78");
        for (const h of lab.hosts) {
            // Give the existing Redis data worth protecting, then fingerprint it.
            onHost(h.container, "redis-cli -p 6379 SET existing:marker untouched >/dev/null && redis-cli -p 6379 SAVE >/dev/null");
            existingBefore[h.name] = existingRedisFingerprint(h.container);
        }
        stack = await lab.cluster();
        firstUp = await stack.up();
        master = lab.hosts[0]!.container;
        replicas = lab.hosts.slice(1).map((h) => h.container);
    });

    after(async () => {
        if (lab) await lab.destroy();
        assert.strictEqual(labLeftovers(LAB), "", "the test lab left containers or networks behind");
    });

    it("forms the topology: master with 2 replicas linked, 3 sentinels with quorum", () => {
        const info = redisCli(master, lab.password, REDIS_PORT, "INFO", "replication");
        assert.strictEqual(field(info, "role"), "master");
        assert.strictEqual(field(info, "connected_slaves"), "2");
        for (const r of replicas) {
            const rinfo = redisCli(r, lab.password, REDIS_PORT, "INFO", "replication");
            assert.strictEqual(field(rinfo, "role"), "slave", r);
            assert.strictEqual(field(rinfo, "master_link_status"), "up", r);
            assert.strictEqual(field(rinfo, "master_host"), lab.hosts[0]!.address, r);
        }
        for (const h of lab.hosts) {
            assert.match(redisCli(h.container, lab.password, SENTINEL_PORT, "SENTINEL", "CKQUORUM", "lab"), /^OK/, h.name);
            const m = redisCli(h.container, lab.password, SENTINEL_PORT, "SENTINEL", "MASTER", "lab");
            assert.strictEqual(field(m, "num-slaves"), "2", h.name);
            assert.strictEqual(field(m, "num-other-sentinels"), "2", h.name);
            assert.strictEqual(field(m, "ip"), lab.hosts[0]!.address, h.name);
        }
    });

    it("serves a Sentinel-aware client: a write reads back on both replicas", async () => {
        const client = new Redis({
            name: "lab",
            sentinels: lab.hosts.map((h) => ({ host: h.address, port: SENTINEL_PORT })),
            password: lab.password,
            sentinelPassword: lab.password,
            maxRetriesPerRequest: 3,
        });
        try {
            const value = `v-${Date.now()}`;
            assert.strictEqual(await client.set("e2e:key", value), "OK");
            for (const r of replicas) {
                await eventually(`replica ${r} has the key`, 10, () => assert.strictEqual(redisCli(r, lab.password, REDIS_PORT, "GET", "e2e:key"), value));
            }
        } finally {
            client.disconnect();
        }
    });

    it("requires the password, and keeps it out of world-readable files and the state", () => {
        assert.match(onHost(master, `redis-cli -p ${REDIS_PORT} PING 2>&1 || true`), /NOAUTH/);
        const exposed = onHost(master, grepFiles("find /etc/redis-ha /var/lib/redis-ha /var/log/redis-ha /etc/systemd/system -perm -o=r -type f"), lab.password).trim();
        assert.strictEqual(exposed, "", `password readable by other users in: ${exposed}`);
        const stateDir = `${lab.sandbox.dir}/state`;
        const files = fs.readdirSync(stateDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
        assert.ok(files.length > 0);
        for (const f of files) {
            const text = fs.readFileSync(`${f.parentPath}/${f.name}`, "utf8");
            assert.ok(!text.includes(lab.password), `password in plaintext in ${f.name}`);
        }
    });

    // Each remote program is in state once per host at most (the install step keeps a hash of it), and
    // each dynamic resource keeps a small provider, not a copy of its code: the state of 3 hosts was
    // 1.53 MB when every step carried its programs. The figure, per executor, is printed for the bench.
    it("keeps the state small: no program text in it, and a bound per host", async () => {
        const state = JSON.stringify((await stack.exportStack()).deployment);
        const perHost = Math.round(Buffer.byteLength(state, "utf8") / lab.hosts.length);
        console.log(`      state: ${Buffer.byteLength(state, "utf8")} bytes, ${perHost} per host (${process.env.REDIS_HA_EXECUTOR ?? "default"} executor)`);
        assert.ok(!state.includes("write_if_changed"), "lib.sh's text is in the state");
        assert.ok(perHost <= STATE_BYTES_PER_HOST, `state is ${perHost} bytes per host, more than ${STATE_BYTES_PER_HOST}`);
    });

    it("reports Redis's own warnings about each host's kernel settings, as Redis itself logs them", () => {
        // The lab's sysctls are this machine's: whatever they are, the report must match them and Redis's log.
        for (const h of lab.hosts) {
            const overcommit = onHost(h.container, "cat /proc/sys/vm/overcommit_memory").trim();
            const thp = onHost(h.container, "cat /sys/kernel/mm/transparent_hugepage/enabled").trim();
            const warned = firstUp!.stdout.split("\n").filter((l) => l.includes(`${h.name}: `) && /overcommit_memory|somaxconn|transparent huge pages/.test(l));
            assert.strictEqual(warned.some((l) => l.includes(`vm.overcommit_memory is ${overcommit}, not 1`)), overcommit !== "1", `${h.name} (overcommit_memory ${overcommit}): ${warned.join(" | ")}`);
            assert.strictEqual(warned.some((l) => l.includes("transparent huge pages are 'always'")), thp.includes("[always]"), `${h.name} (THP ${thp}): ${warned.join(" | ")}`);
            // Redis logs the same condition on start.
            const logged = onHost(h.container, "grep -c 'WARNING Memory overcommit must be enabled' /var/log/redis-ha/lab/redis.log || true").trim();
            assert.strictEqual(logged !== "0", overcommit !== "1", `${h.name}: Redis's own log`);
        }
    });

    it("hostTuning: this cluster's sysctl drop-in (somaxconn never lowered) and THP unit, no restart; off again, both removed", async () => {
        const pids = lab.hosts.map((h) => mainPid(h.container, SERVER_UNIT));
        await stack.setConfig("redis-ha:hostTuning", { value: "true" });
        await stack.up();
        for (const h of lab.hosts) {
            const somaxconn = Number(onHost(h.container, "cat /proc/sys/net/core/somaxconn").trim());
            const file = onHost(h.container, "stat -c '%a %U:%G' /etc/sysctl.d/60-redis-ha-lab.conf; grep -v '^#' /etc/sysctl.d/60-redis-ha-lab.conf").trim();
            assert.strictEqual(file, `644 root:root\nvm.overcommit_memory = 1\nnet.core.somaxconn = ${Math.max(somaxconn, 511)}`, h.name);
            assert.strictEqual(onHost(h.container, "systemctl is-enabled redis-ha-lab-thp.service").trim(), "enabled", h.name);
            // The lab's kernel settings are this machine's, read-only in a container: the sysctls are
            // written for the next boot, and the THP unit's condition skips it instead of failing.
            const sysRw = onHost(h.container, "test -w /sys/kernel/mm/transparent_hugepage/enabled && echo rw || echo ro").trim();
            const state = onHost(h.container, "systemctl show -p ActiveState -p ConditionResult --value redis-ha-lab-thp.service | paste -sd' ' -").trim();
            assert.strictEqual(state, sysRw === "ro" ? "inactive no" : "active yes", `${h.name}: THP unit ${state} (/sys ${sysRw})`);
        }
        assert.deepStrictEqual(lab.hosts.map((h) => mainPid(h.container, SERVER_UNIT)), pids, "host tuning restarted a data node");

        await stack.setConfig("redis-ha:hostTuning", { value: "false" });
        await stack.up();
        for (const h of lab.hosts) {
            assert.strictEqual(onHost(h.container, "ls /etc/sysctl.d/60-redis-ha-lab.conf /etc/systemd/system/redis-ha-lab-thp.service 2>/dev/null | wc -l").trim(), "0", h.name);
            assert.strictEqual(onHost(h.container, "find /etc/systemd/system -name 'redis-ha-lab-thp*' | wc -l").trim(), "0", `${h.name}: a link to the THP unit is left`);
        }
        assert.deepStrictEqual(lab.hosts.map((h) => mainPid(h.container, SERVER_UNIT)), pids);
    });

    it("leaves the existing Redis on 6379 running, same PID, same files", () => {
        for (const h of lab.hosts) {
            assert.strictEqual(existingRedisFingerprint(h.container), existingBefore[h.name], h.name);
            assert.match(existingBefore[h.name]!, /active=active pid=[1-9]/);
            assert.strictEqual(onHost(h.container, "redis-cli -p 6379 GET existing:marker").trim(), "untouched");
        }
    });

    it("changes and restarts nothing on a second up with nothing changed", async () => {
        const pids = lab.hosts.map((h) => `${mainPid(h.container, SERVER_UNIT)}/${mainPid(h.container, SENTINEL_UNIT)}`);
        const preview = await stack.preview({ expectNoChanges: true });
        assert.deepStrictEqual(Object.keys(preview.changeSummary).filter((k) => k !== "same"), []);
        const up = await stack.up();
        assert.deepStrictEqual(Object.keys(up.summary.resourceChanges ?? {}).filter((k) => k !== "same"), []);
        assert.deepStrictEqual(lab.hosts.map((h) => `${mainPid(h.container, SERVER_UNIT)}/${mainPid(h.container, SENTINEL_UNIT)}`), pids);
        assert.ok(pids.every((p) => /^[1-9]\d*\/[1-9]\d*$/.test(p)), pids.join(" "));
    });

    it("destroy removes our units, files and dirs, and leaves the existing Redis running", async () => {
        await stack.destroy();
        for (const h of lab.hosts) {
            assert.strictEqual(onHost(h.container, "systemctl list-unit-files 'redis-ha-*' --no-legend | wc -l").trim(), "0", h.name);
            assert.strictEqual(onHost(h.container, "ls -d /etc/redis-ha /var/lib/redis-ha /var/log/redis-ha /etc/systemd/system/redis-ha-* 2>/dev/null | wc -l").trim(), "0", h.name);
            assert.strictEqual(onHost(h.container, "ss -Hltn '( sport = :6389 or sport = :26389 )' | wc -l").trim(), "0", h.name);
            assert.strictEqual(existingRedisFingerprint(h.container), existingBefore[h.name], h.name);
        }
    });
});
