/**
 * Hardened units on a real lab: `systemd-analyze security` at most 1.0 for our Redis and Sentinel on
 * every host, an IP allow list the stack controls (an allowed client works, any other source is
 * dropped), and Redis still doing everything it must under those units: BGSAVE and AOF rewrite
 * (fork), replication, failover, and Sentinel's CONFIG REWRITE of a config file that stays 0600.
 * The stack also sets `redis.extraDirectives`, which every node must run with.
 */
import * as assert from "assert";
import * as os from "os";
import Redis from "ioredis";
import { Stack } from "@pulumi/pulumi/automation";
import { TestLab, createTestLab, eventually, field, labLeftovers, onHost, redisCli, unitExposure } from "./labHarness";
import { labHostKeys } from "../../lab/automation";

const LAB = "rhtharden";
const SUBNET = "10.177.82";
const REDIS_PORT = 6389;
const SENTINEL_PORT = 26389;
const UNITS = ["redis-ha-lab-server.service", "redis-ha-lab-sentinel.service"];
const REDIS_CONF = "/etc/redis-ha/lab/redis.conf";

/** The address this test process has on the lab network (the docker bridge): the one client we allow. */
function testerAddress(): string {
    for (const addresses of Object.values(os.networkInterfaces())) {
        const found = addresses?.find((a) => a.family === "IPv4" && a.address.startsWith(`${SUBNET}.`));
        if (found) return found.address;
    }
    throw new Error(`this machine has no address on ${SUBNET}.0/24`);
}

/**
 * What a TCP connection from `container` to address:port gets back: the first line of the reply, and
 * whether it timed out (packets dropped) rather than being answered or refused.
 */
function probe(container: string, address: string, port: number, send = ""): { reply: string; dropped: boolean } {
    const out = onHost(container, `timeout 2 bash -c 'exec 3<>/dev/tcp/${address}/${port} && printf "${send}" >&3 && timeout 1 head -n 1 <&3' 2>/dev/null; echo "rc=$?"`);
    const rc = /rc=(\d+)\s*$/.exec(out)?.[1];
    return { reply: out.replace(/rc=\d+\s*$/, "").trim(), dropped: rc === "124" };
}

describe("hardened units (real engine, real lab)", function () {
    this.timeout(15 * 60 * 1000);
    let lab: TestLab;
    let stack: Stack;
    let cluster: TestLab["hosts"];
    let outsider: TestLab["hosts"][number];
    let tester = "";

    before(async () => {
        lab = await createTestLab(LAB, SUBNET, 4);
        // Hosts 1-3 run the cluster; host 4 is a machine on the same network that is not allowed in.
        cluster = lab.hosts.slice(0, 3);
        outsider = lab.hosts[3]!;
        tester = testerAddress();
        stack = await lab.cluster({
            config: {
                "redis-ha:hosts": cluster.map((h) => ({ name: h.name, address: h.address, hostKey: labHostKeys(lab.args)[h.name] })),
                "redis-ha:ipAllowList": [`${tester}/32`],
                "redis-ha:redis": { extraDirectives: { hz: 20, "lazyfree-lazy-eviction": true } },
            },
        });
        await stack.up();
    });

    after(async () => {
        if (lab) await lab.destroy();
        assert.strictEqual(labLeftovers(LAB), "", "the test lab left containers or networks behind");
    });

    it("scores at most 1.0 in systemd-analyze security, for server and sentinel on every host", () => {
        for (const h of cluster) {
            for (const unit of UNITS) {
                assert.strictEqual(onHost(h.container, `systemctl is-active ${unit}`).trim(), "active", `${h.name} ${unit}`);
                const score = unitExposure(h.container, unit).score;
                assert.ok(score <= 1.0, `${h.name} ${unit} scores ${score}`);
            }
        }
    });

    it("replicates: the master has 2 replicas, both linked", () => {
        const master = cluster[0]!;
        const info = redisCli(master.container, lab.password, REDIS_PORT, "INFO", "replication");
        assert.strictEqual(field(info, "role"), "master");
        assert.strictEqual(field(info, "connected_slaves"), "2");
        for (const r of cluster.slice(1)) {
            const rinfo = redisCli(r.container, lab.password, REDIS_PORT, "INFO", "replication");
            assert.strictEqual(field(rinfo, "master_link_status"), "up", r.name);
        }
    });

    it("runs every node with the stack's redis.extraDirectives", () => {
        for (const h of cluster) {
            assert.strictEqual(redisCli(h.container, lab.password, REDIS_PORT, "CONFIG", "GET", "hz"), "hz\n20", h.name);
            assert.strictEqual(redisCli(h.container, lab.password, REDIS_PORT, "CONFIG", "GET", "lazyfree-lazy-eviction"), "lazyfree-lazy-eviction\nyes", h.name);
        }
    });

    it("forks for BGSAVE under the unit, and the snapshot completes", async () => {
        const master = cluster[0]!.container;
        const persistence = () => redisCli(master, lab.password, REDIS_PORT, "INFO", "persistence");
        redisCli(master, lab.password, REDIS_PORT, "SET", "hardening:bgsave", "1");
        const saves = Number(field(persistence(), "rdb_saves"));
        assert.match(redisCli(master, lab.password, REDIS_PORT, "BGSAVE"), /Background saving started/);
        await eventually("BGSAVE finished", 60, () => {
            const p = persistence();
            assert.strictEqual(field(p, "rdb_bgsave_in_progress"), "0");
            assert.ok(Number(field(p, "rdb_saves")) > saves, `rdb_saves still ${field(p, "rdb_saves")}`);
        });
        const p = persistence();
        assert.strictEqual(field(p, "rdb_last_bgsave_status"), "ok");
        assert.strictEqual(field(p, "rdb_changes_since_last_save"), "0");
        assert.match(onHost(master, "stat -c '%U %a' /var/lib/redis-ha/lab/dump.rdb").trim(), /^redis [0-7]00$/);
    });

    it("forks for BGREWRITEAOF under the unit, and the rewrite completes", async () => {
        const master = cluster[0]!.container;
        const persistence = () => redisCli(master, lab.password, REDIS_PORT, "INFO", "persistence");
        const rewrites = Number(field(persistence(), "aof_rewrites"));
        assert.match(redisCli(master, lab.password, REDIS_PORT, "BGREWRITEAOF"), /rewriting/i);
        await eventually("AOF rewrite finished", 60, () => {
            const p = persistence();
            assert.strictEqual(field(p, "aof_rewrite_in_progress"), "0");
            assert.strictEqual(field(p, "aof_rewrite_scheduled"), "0");
            assert.ok(Number(field(p, "aof_rewrites")) > rewrites, `aof_rewrites still ${field(p, "aof_rewrites")}`);
        });
        assert.strictEqual(field(persistence(), "aof_last_bgrewrite_status"), "ok");
    });

    it("serves a client on an allowed address, through Sentinel", async () => {
        const client = new Redis({
            name: "lab",
            sentinels: cluster.map((h) => ({ host: h.address, port: SENTINEL_PORT })),
            password: lab.password,
            sentinelPassword: lab.password,
            maxRetriesPerRequest: 3,
        });
        try {
            assert.strictEqual(await client.set("hardening:client", tester), "OK");
            assert.strictEqual(await client.get("hardening:client"), tester);
        } finally {
            client.disconnect();
        }
    });

    it("drops every connection from an address outside the allow list, on Redis and Sentinel", () => {
        for (const h of cluster) {
            // The outsider reaches the host itself (sshd answers), so only our units' filter can drop it.
            assert.match(probe(outsider.container, h.address, 22).reply, /^SSH-2\.0/, `${outsider.name} cannot reach ${h.name} at all`);
            const peer = cluster.find((p) => p.name !== h.name)!;
            for (const port of [REDIS_PORT, SENTINEL_PORT]) {
                // From a cluster host the same request reaches Redis / Sentinel (NOAUTH: it asks for the password)...
                assert.match(probe(peer.container, h.address, port, "PING\\r\\n").reply, /NOAUTH/, `${peer.name} -> ${h.name}:${port}`);
                // ...from the outsider the packets are dropped: no answer, not even a refusal.
                assert.deepStrictEqual(probe(outsider.container, h.address, port, "PING\\r\\n"), { reply: "", dropped: true }, `${outsider.name} -> ${h.name}:${port}`);
            }
        }
    });

    it("fails over under the hardened units: the old master rejoins as a replica, and Sentinel's CONFIG REWRITE keeps the file 0600", async () => {
        const [oldMaster, viaSentinel] = [cluster[0]!, cluster[1]!];
        const sentinelView = () => redisCli(viaSentinel.container, lab.password, SENTINEL_PORT, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lab").split("\n")[0];
        const file = (h: TestLab["hosts"][number]) => onHost(h.container, `cat ${REDIS_CONF}`);
        const replicaofLines = (h: TestLab["hosts"][number]) => file(h).split("\n").filter((l) => l.startsWith("replicaof "));
        assert.strictEqual(sentinelView(), oldMaster.address);
        assert.deepStrictEqual(replicaofLines(oldMaster), []);
        assert.strictEqual(redisCli(viaSentinel.container, lab.password, SENTINEL_PORT, "SENTINEL", "FAILOVER", "lab"), "OK");

        const newMaster = await eventually("Sentinel reports a new master", 60, () => {
            const address = sentinelView();
            assert.notStrictEqual(address, oldMaster.address);
            const host = cluster.find((h) => h.address === address);
            assert.ok(host, `unknown master ${address}`);
            return host;
        });
        await eventually("the old master replicates from the new one", 90, () => {
            const info = redisCli(oldMaster.container, lab.password, REDIS_PORT, "INFO", "replication");
            assert.strictEqual(field(info, "role"), "slave");
            assert.strictEqual(field(info, "master_host"), newMaster.address);
            assert.strictEqual(field(info, "master_link_status"), "up");
        });
        await eventually("the new master has both replicas", 60, () => {
            assert.strictEqual(field(redisCli(newMaster.container, lab.password, REDIS_PORT, "INFO", "replication"), "connected_slaves"), "2");
        });

        // CONFIG REWRITE, run by Redis on Sentinel's order, wrote the new roles into the files.
        await eventually("the old master's file names the new master", 30, () => {
            assert.match(file(oldMaster), /^# Generated by CONFIG REWRITE$/m);
            assert.deepStrictEqual(replicaofLines(oldMaster), [`replicaof ${newMaster.address} ${REDIS_PORT}`]);
        });
        await eventually("the new master's file has no replicaof", 30, () => assert.deepStrictEqual(replicaofLines(newMaster), []));
        for (const h of cluster) {
            assert.strictEqual(onHost(h.container, `stat -c '%a %U' ${REDIS_CONF} /etc/redis-ha/lab/sentinel.conf`).trim(), "600 redis\n600 redis", h.name);
        }
        // Writes go to the new master and reach the old one.
        redisCli(newMaster.container, lab.password, REDIS_PORT, "SET", "hardening:after-failover", "yes");
        await eventually("the old master has the write", 30, () => assert.strictEqual(redisCli(oldMaster.container, lab.password, REDIS_PORT, "GET", "hardening:after-failover"), "yes"));
    });
});
