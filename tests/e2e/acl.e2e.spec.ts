/**
 * ACL users, on the real engine and a real lab: turned on for a running cluster under a writer
 * (nothing lost, no restart, the default user never without password); then replicas replicate as the
 * replication user, sentinels talk to the data nodes as the Sentinel user, neither user can do
 * anything else, redis.conf holds password hashes only, a Sentinel failover works, and a new cluster
 * password rotates every user's with no data node restart and no login refused.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import Redis from "ioredis";
import { Stack } from "@pulumi/pulumi/automation";
import { aclCredentials, aclPasswordHash } from "../../components/config/acl";
import { ACL_DEFAULTS } from "../../components/config/defaults";
import { CounterReport, startCounterWriter } from "../../examples/visit-counter/counter";
import { TestLab, assertNothingLost, assertStillWriting, createTestLab, eventually, field, labLeftovers, mainPid, onHost, redisCli } from "./labHarness";

const LAB = "rhtacl";
const CLUSTER = "lab";
const REDIS_PORT = 6389;
const SENTINEL_PORT = 26389;
const REPLICATION_USER = ACL_DEFAULTS.replicationUser;
const SENTINEL_USER = ACL_DEFAULTS.sentinelUser;

/** CLIENT LIST as one record per client. */
function clients(container: string, password: string, ...filter: string[]): Array<Record<string, string>> {
    return redisCli(container, password, REDIS_PORT, "CLIENT", "LIST", ...filter)
        .split("\n")
        .filter(Boolean)
        .map((line) => Object.fromEntries(line.split(" ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])));
}

/** A command run as `user` (password through REDISCLI_AUTH); error replies are returned, not thrown. */
function as(container: string, user: string, password: string, ...args: string[]): string {
    const quoted = args.map((a) => `'${a}'`).join(" ");
    return onHost(container, `redis-cli --no-auth-warning --raw -p ${REDIS_PORT} --user ${user} ${quoted} 2>&1 || true`, password).trim();
}

describe("ACL users for replication and Sentinel (acl.enabled, real lab)", function () {
    this.timeout(15 * 60 * 1000);
    let lab: TestLab;
    let stack: Stack;
    let creds: ReturnType<typeof aclCredentials>;
    let addresses: string[];
    const containerOf = (address: string) => lab.hosts.find((h) => h.address === address)!.container;

    // The cluster is deployed without ACL users; the first test turns them on, as a user would on a running one.
    before(async () => {
        lab = await createTestLab(LAB, "10.177.85");
        await (await lab.cluster()).up();
        creds = aclCredentials({ replicationUser: REPLICATION_USER, sentinelUser: SENTINEL_USER }, lab.password, CLUSTER);
        addresses = lab.hosts.map((h) => h.address);
    });

    after(async () => {
        if (lab) await lab.destroy();
        assert.strictEqual(labLeftovers(LAB), "", "the test lab left containers or networks behind");
    });

    /** The master as every sentinel sees it; fails unless they all agree. */
    function agreedMaster(): string {
        const views = lab.hosts.map((h) => redisCli(h.container, lab.password, SENTINEL_PORT, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", CLUSTER).split("\n")[0]!);
        assert.ok(views.every((v) => v === views[0]), `sentinels disagree: ${views.join(", ")}`);
        return views[0]!;
    }

    /** The master's replicas are linked, each as the replication user; every sentinel sees the cluster whole. */
    function assertHealthy(master: string): void {
        const links = clients(containerOf(master), lab.password, "TYPE", "replica");
        assert.strictEqual(links.length, 2, JSON.stringify(links));
        for (const link of links) assert.strictEqual(link.user, REPLICATION_USER, JSON.stringify(link));
        for (const address of addresses.filter((a) => a !== master)) {
            const info = redisCli(containerOf(address), lab.password, REDIS_PORT, "INFO", "replication");
            assert.strictEqual(field(info, "master_host"), master, address);
            assert.strictEqual(field(info, "master_link_status"), "up", address);
        }
        for (const h of lab.hosts) {
            assert.match(redisCli(h.container, lab.password, SENTINEL_PORT, "SENTINEL", "CKQUORUM", CLUSTER), /^OK/, h.name);
            const m = redisCli(h.container, lab.password, SENTINEL_PORT, "SENTINEL", "MASTER", CLUSTER);
            assert.strictEqual(field(m, "flags"), "master", h.name);
            assert.strictEqual(field(m, "num-slaves"), "2", h.name);
            // Sentinels find each other through the master's __sentinel__:hello channel: the Sentinel user's one channel.
            assert.strictEqual(field(m, "num-other-sentinels"), "2", h.name);
        }
    }

    it("turns ACL users on for a running cluster under a writer (WAIT 1): no data node restarts, nothing lost, the default user keeps its password", async () => {
        const pids = () => lab.hosts.map((h) => mainPid(h.container, `redis-ha-${CLUSTER}-server.service`));
        const before = pids();
        const writer = startCounterWriter({ masterName: CLUSTER, sentinels: lab.hosts.map((h) => ({ host: h.address, port: SENTINEL_PORT })), password: lab.password, key: "acl:enable", waitReplicas: 1, maxSeconds: 300 });
        let report: CounterReport | undefined;
        try {
            await writer.ready;
            await assertStillWriting(writer, "before ACL users");
            stack = await lab.cluster({ config: { "redis-ha:acl": { enabled: true } } });
            await stack.up();
            await assertStillWriting(writer, "after ACL users");
        } finally {
            report = await writer.stop(lab.password);
        }
        assertNothingLost(report, "turning ACL users on");
        assert.deepStrictEqual(pids(), before, "a data node restarted");
        for (const h of lab.hosts) {
            // requirepass left the file for the `user default` line: its default ("") must never reach the running node (nopass).
            assert.match(onHost(h.container, `redis-cli --no-auth-warning -p ${REDIS_PORT} PING 2>&1 || true`), /NOAUTH/, `${h.name}: a data node answers without a password`);
            assert.doesNotMatch(redisCli(h.container, lab.password, REDIS_PORT, "ACL", "GETUSER", "default"), /nopass/, h.name);
        }
    });

    it("replicates as the replication user", () => {
        assert.strictEqual(agreedMaster(), lab.hosts[0]!.address);
        assertHealthy(lab.hosts[0]!.address);
    });

    it("lets sentinels into every data node as the Sentinel user only", () => {
        for (const h of lab.hosts) {
            const fromSentinels = clients(h.container, lab.password).filter((c) => c.name?.startsWith("sentinel-"));
            const ips = new Set(fromSentinels.map((c) => c.addr!.slice(0, c.addr!.lastIndexOf(":"))));
            assert.deepStrictEqual([...ips].sort(), [...addresses].sort(), `${h.name}: sentinel connections from ${[...ips].join(", ")}`);
            for (const c of fromSentinels) assert.strictEqual(c.user, SENTINEL_USER, `${h.name}: ${JSON.stringify(c)}`);
        }
    });

    it("fails over with SENTINEL FAILOVER, and the replicas follow the new master as the replication user", async () => {
        const before = agreedMaster();
        assert.strictEqual(redisCli(lab.hosts[1]!.container, lab.password, SENTINEL_PORT, "SENTINEL", "FAILOVER", CLUSTER), "OK");
        const after = await eventually("sentinels agree on a new master", 90, () => {
            const m = agreedMaster();
            assert.notStrictEqual(m, before);
            return m;
        });
        await eventually("the cluster is whole again under the new master", 90, () => assertHealthy(after));
        assert.strictEqual(field(redisCli(containerOf(before), lab.password, REDIS_PORT, "INFO", "replication"), "role"), "slave");
    });

    it("keeps only password hashes in redis.conf, also once Sentinel has had it rewritten", () => {
        let rewritten = 0;
        for (const h of lab.hosts) {
            const hits = onHost(h.container, `grep -cF -f <(printf '%s\\n' "$REDISCLI_AUTH") /etc/redis-ha/${CLUSTER}/redis.conf || true`, lab.password).trim();
            assert.strictEqual(hits, "0", `${h.name}: the cluster password is in redis.conf`);
            rewritten += Number(onHost(h.container, `grep -c '^# Generated by CONFIG REWRITE' /etc/redis-ha/${CLUSTER}/redis.conf || true`).trim());
            const acl = redisCli(h.container, lab.password, REDIS_PORT, "ACL", "LIST");
            assert.match(acl, new RegExp(`^user default on .*${aclPasswordHash(lab.password)} `, "m"), `${h.name}: the admin user is not the cluster password`);
        }
        assert.ok(rewritten > 0, "no redis.conf was rewritten by the failover");
    });

    it("denied nothing the replicas and sentinels needed (ACL LOG is empty on every data node)", () => {
        for (const h of lab.hosts) {
            assert.strictEqual(redisCli(h.container, lab.password, REDIS_PORT, "ACL", "LOG"), "", `${h.name}: ACL LOG has entries`);
        }
    });

    it("gives the replication and Sentinel users nothing beyond their job", () => {
        const master = containerOf(agreedMaster());
        const repl = (...args: string[]) => as(master, REPLICATION_USER, creds.replication.password, ...args);
        const sent = (...args: string[]) => as(master, SENTINEL_USER, creds.sentinel.password, ...args);
        assert.strictEqual(repl("PING"), "PONG", "the replication user's derived password is the one Redis has");
        assert.strictEqual(sent("PING"), "PONG", "the Sentinel user's derived password is the one Redis has");
        for (const args of [["GET", "k"], ["SET", "k", "v"], ["KEYS", "*"], ["CONFIG", "GET", "masterauth"], ["FLUSHALL"]]) {
            assert.match(repl(...args), /NOPERM/, `replication user: ${args.join(" ")}`);
            assert.match(sent(...args), /NOPERM/, `Sentinel user: ${args.join(" ")}`);
        }
        assert.match(sent("CONFIG", "SET", "dir", "/tmp"), /NOPERM/);
        assert.match(sent("PUBLISH", "other-channel", "x"), /NOPERM/);
        assert.match(as(master, REPLICATION_USER, "not-the-password", "PING"), /WRONGPASS|invalid username-password/);
    });

    it("serves a Sentinel-aware client with the cluster password", async () => {
        const client = new Redis({
            name: CLUSTER,
            sentinels: lab.hosts.map((h) => ({ host: h.address, port: SENTINEL_PORT })),
            password: lab.password,
            sentinelPassword: lab.password,
            maxRetriesPerRequest: 3,
        });
        try {
            const value = `acl-${Date.now()}`;
            assert.strictEqual(await client.set("acl:key", value), "OK");
            assert.strictEqual(await client.get("acl:key"), value);
        } finally {
            client.disconnect();
        }
    });

    it("rotates every user's password with a new cluster password: no data node restarts, no login refused (ACL LOG empty), the old passwords refused after", async () => {
        const unit = (kind: string) => `redis-ha-${CLUSTER}-${kind}.service`;
        const pids = () => lab.hosts.map((h) => onHost(h.container, `systemctl show -p MainPID --value ${unit("server")}`).trim());
        const pidsBefore = pids();
        const old = { admin: lab.password, ...creds };
        const next = `rotated-${crypto.randomBytes(18).toString("base64url")}`;
        // The tests above made refused logins on purpose.
        for (const h of lab.hosts) for (const port of [REDIS_PORT, SENTINEL_PORT]) assert.strictEqual(redisCli(h.container, lab.password, port, "ACL", "LOG", "RESET"), "OK");
        await stack.setConfig("redis-ha:password", { value: next, secret: true });
        await stack.up();
        lab.password = next;
        creds = aclCredentials({ replicationUser: REPLICATION_USER, sentinelUser: SENTINEL_USER }, next, CLUSTER);
        assert.deepStrictEqual(pids(), pidsBefore, "a data node restarted for a new password");
        // A replica or sentinel refused at any moment would be in ACL LOG (reason auth), on a data node or a sentinel.
        for (const h of lab.hosts) {
            for (const port of [REDIS_PORT, SENTINEL_PORT]) assert.strictEqual(redisCli(h.container, next, port, "ACL", "LOG"), "", `${h.name}:${port}: ACL LOG has entries`);
        }
        assertHealthy(agreedMaster());
        const master = containerOf(agreedMaster());
        for (const [user, now, before] of [
            ["default", next, old.admin],
            [REPLICATION_USER, creds.replication.password, old.replication.password],
            [SENTINEL_USER, creds.sentinel.password, old.sentinel.password],
        ] as const) {
            assert.strictEqual(as(master, user, now, "PING"), "PONG", `${user}: the new password`);
            assert.match(as(master, user, before, "PING"), /WRONGPASS|invalid username-password/, `${user}: the old password`);
            for (const h of lab.hosts) {
                const hashes = redisCli(h.container, next, REDIS_PORT, "ACL", "GETUSER", user).split("\n").filter((l) => /^[0-9a-f]{64}$/.test(l));
                assert.deepStrictEqual(hashes, [aclPasswordHash(now).slice(1)], `${h.name}: ${user} accepts other passwords`);
            }
        }
        // The files Sentinel's failover and the rotation rewrote (CONFIG REWRITE) are no drift.
        for (const h of lab.hosts) assert.notStrictEqual(onHost(h.container, `grep -c '^# Generated by CONFIG REWRITE' /etc/redis-ha/${CLUSTER}/redis.conf || true`).trim(), "0", h.name);
        const refreshed = await stack.preview({ refresh: true });
        assert.deepStrictEqual(Object.keys(refreshed.changeSummary).filter((k) => k !== "same"), [], JSON.stringify(refreshed.changeSummary));
    });

    it("plans no change on a second preview (the ACL rendering is stable)", async () => {
        const preview = await stack.preview();
        assert.deepStrictEqual(Object.keys(preview.changeSummary).filter((k) => k !== "same"), []);
    });
});
