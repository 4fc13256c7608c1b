import * as assert from "assert";
import * as crypto from "crypto";
import { resolveClusterSpec } from "../../components/config/validate";
import { aclCredentials, aclPasswordHash, derivedPassword } from "../../components/config/acl";
import { redisQuote, renderRedisConf, renderSentinelConf } from "../../components/render/render";
import { threeHostTopology } from "../fixtures/topology";
import { problemsOf } from "../fixtures/problems";

const PASSWORD = "correct-horse-battery-staple-42";

function lines(text: string, prefix: string): string[] {
    return text.split("\n").filter((l) => l.startsWith(prefix));
}

describe("ACL users (acl option)", () => {
    it("is off unless enabled, and then uses the default user names", () => {
        assert.strictEqual(resolveClusterSpec(threeHostTopology()).acl, undefined);
        assert.strictEqual(resolveClusterSpec(threeHostTopology({ acl: { enabled: false } })).acl, undefined);
        assert.deepStrictEqual(resolveClusterSpec(threeHostTopology({ acl: { enabled: true } })).acl, {
            replicationUser: "redis-ha-replication",
            sentinelUser: "redis-ha-sentinel",
        });
    });

    const invalid: Array<{ name: string; acl: object; field: string; mentions: RegExp }> = [
        { name: "the admin user's name for replication", acl: { enabled: true, replicationUser: "default" }, field: "acl.replicationUser", mentions: /admin user/ },
        { name: "one name for both users", acl: { enabled: true, replicationUser: "ops", sentinelUser: "ops" }, field: "acl.sentinelUser", mentions: /same user/ },
        { name: "a user name with a space", acl: { enabled: true, sentinelUser: "sentinel user" }, field: "acl.sentinelUser", mentions: /not a valid ACL user name/ },
        { name: "enabled as a string", acl: { enabled: "yes" }, field: "acl.enabled", mentions: /not true or false/ },
    ];
    for (const c of invalid) {
        it(`rejects ${c.name}, naming ${c.field} and the fix`, () => {
            const problems = problemsOf(() => resolveClusterSpec(threeHostTopology({ acl: c.acl })));
            const match = problems.find((p) => p.startsWith(`${c.field}:`));
            assert.ok(match, problems.join("\n"));
            assert.match(match, c.mentions);
            assert.match(match, /Fix: \S/);
        });
    }

    it("derives strong, distinct, stable passwords per user and cluster", () => {
        const a = derivedPassword(PASSWORD, "dev", "redis-ha-replication");
        assert.strictEqual(a, derivedPassword(PASSWORD, "dev", "redis-ha-replication"));
        assert.match(a, /^[A-Za-z0-9_-]{43}$/);
        assert.notStrictEqual(a, derivedPassword(PASSWORD, "dev", "redis-ha-sentinel"));
        assert.notStrictEqual(a, derivedPassword(PASSWORD, "prod", "redis-ha-replication"));
        assert.notStrictEqual(a, derivedPassword(`${PASSWORD}x`, "dev", "redis-ha-replication"));
        assert.ok(!a.includes(PASSWORD));
    });

    it("hashes passwords the way Redis stores them (#<sha256 hex>)", () => {
        assert.strictEqual(aclPasswordHash("foobared"), `#${crypto.createHash("sha256").update("foobared").digest("hex")}`);
    });

    describe("rendering", () => {
        const spec = resolveClusterSpec(threeHostTopology({ acl: { enabled: true } }));
        const [master, replica] = spec.hosts;
        const creds = aclCredentials(spec.acl!, PASSWORD, spec.clusterName);

        it("puts only password hashes in redis.conf, and the replication user's credentials for masteruser/masterauth", () => {
            for (const host of [master!, replica!]) {
                const conf = renderRedisConf(spec, host, PASSWORD);
                assert.ok(!conf.includes(PASSWORD), "the cluster password is in redis.conf");
                assert.deepStrictEqual(lines(conf, "requirepass"), []);
                assert.deepStrictEqual(lines(conf, "user "), [
                    `user default on ${aclPasswordHash(PASSWORD)} ~* &* +@all`,
                    `user redis-ha-replication on ${aclPasswordHash(creds.replication.password)} resetkeys resetchannels -@all +psync +replconf +ping`,
                    `user redis-ha-sentinel on ${aclPasswordHash(creds.sentinel.password)} resetkeys resetchannels &__sentinel__:hello -@all +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill`,
                ]);
                assert.deepStrictEqual(lines(conf, "masteruser"), ["masteruser redis-ha-replication"]);
                assert.deepStrictEqual(lines(conf, "masterauth"), [`masterauth ${redisQuote(creds.replication.password)}`]);
                assert.ok(!conf.includes(creds.sentinel.password), "the sentinel user's password is in redis.conf");
            }
        });

        it("makes sentinels log in to the data nodes as the Sentinel user, and keeps the cluster password for Sentinel's own port", () => {
            const conf = renderSentinelConf(spec, replica!, PASSWORD);
            assert.deepStrictEqual(lines(conf, "sentinel auth-user"), ["sentinel auth-user dev redis-ha-sentinel"]);
            assert.deepStrictEqual(lines(conf, "sentinel auth-pass"), [`sentinel auth-pass dev ${redisQuote(creds.sentinel.password)}`]);
            assert.deepStrictEqual(lines(conf, "requirepass"), [`requirepass ${redisQuote(PASSWORD)}`]);
            assert.ok(conf.indexOf("sentinel monitor") < conf.indexOf("sentinel auth-user"), "per-master directives must follow `sentinel monitor`");
            assert.ok(!conf.includes(creds.replication.password));
        });

        it("renders exactly as before when ACLs are off", () => {
            const plain = resolveClusterSpec(threeHostTopology());
            const conf = renderRedisConf(plain, plain.hosts[1]!, PASSWORD);
            assert.deepStrictEqual(lines(conf, "user "), []);
            assert.deepStrictEqual(lines(conf, "masteruser"), []);
            assert.deepStrictEqual(lines(conf, "requirepass"), [`requirepass ${redisQuote(PASSWORD)}`]);
            assert.deepStrictEqual(lines(renderSentinelConf(plain, plain.hosts[1]!, PASSWORD), "sentinel auth-user"), []);
        });
    });
});
