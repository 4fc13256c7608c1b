import * as assert from "assert";
import { RedisHaConfigError, resolveClusterSpec } from "../../components/config/validate";
import { threeHostTopology } from "../fixtures/topology";
import { ServerKind } from "../../components/config/defaults";

function problemsOf(fn: () => unknown): string[] {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof RedisHaConfigError, `expected RedisHaConfigError, got ${String(err)}`);
        return err.problems.map((p) => `${p.field}: ${p.problem}. Fix: ${p.fix}`);
    }
    assert.fail("expected the configuration to be rejected");
}

describe("resolveClusterSpec", () => {
    it("applies the defaults an operator expects", () => {
        const spec = resolveClusterSpec(threeHostTopology());
        assert.strictEqual(spec.redisPort, 6389);
        assert.strictEqual(spec.sentinelPort, 26389);
        assert.strictEqual(spec.quorum, 2);
        assert.strictEqual(spec.masterName, "dev");
        assert.strictEqual(spec.redis.appendfsync, "everysec");
        assert.strictEqual(spec.sentinel.downAfterMilliseconds, 5000);
        assert.deepStrictEqual(spec.master.bind, ["127.0.0.1", "10.0.2.104"]);
        assert.strictEqual(spec.paths.redisUnitName, "redis-ha-dev-server.service");
        assert.strictEqual(spec.paths.sentinelUnitName, "redis-ha-dev-sentinel.service");
    });

    const invalid: Array<{ name: string; args: Parameters<typeof threeHostTopology>[0]; field: string; mentions: RegExp }> = [
        { name: "cluster name with a path separator", args: { clusterName: "../etc" }, field: "clusterName", mentions: /lowercase letters/ },
        { name: "cluster name with upper case", args: { clusterName: "Prod" }, field: "clusterName", mentions: /lowercase/ },
        { name: "unknown master", args: { master: "db-9" }, field: "master", mentions: /unknown host "db-9"/ },
        { name: "unknown replica", args: { replicas: ["app-1", "nope"] }, field: "replicas[1]", mentions: /unknown host "nope"/ },
        { name: "unknown sentinel", args: { sentinels: ["console", "app-1", "ghost"] }, field: "sentinels[2]", mentions: /unknown host/ },
        { name: "master listed as replica", args: { replicas: ["console", "app-1"] }, field: "replicas", mentions: /also the master/ },
        { name: "replica listed twice", args: { replicas: ["app-1", "app-1"] }, field: "replicas[1]", mentions: /listed twice/ },
        { name: "two sentinels", args: { sentinels: ["console", "app-1"] }, field: "sentinels", mentions: /at least 3/ },
        { name: "quorum above sentinels", args: { quorum: 4 }, field: "quorum", mentions: /more than the number of sentinels/ },
        { name: "quorum below majority", args: { quorum: 1 }, field: "quorum", mentions: /below a majority/ },
        { name: "redis on the existing Redis port", args: { redisPort: 6379 }, field: "redisPort", mentions: /distribution's own Redis/ },
        { name: "sentinel port equal to redis port", args: { redisPort: 7000, sentinelPort: 7000 }, field: "sentinelPort", mentions: /equals redisPort/ },
        { name: "port out of range", args: { redisPort: 70000 }, field: "redisPort", mentions: /not a TCP port/ },
        {
            name: "duplicate host address",
            args: { hosts: [{ name: "a", address: "10.0.0.1" }, { name: "b", address: "10.0.0.1" }, { name: "console", address: "10.0.0.3" }, { name: "app-1", address: "10.0.0.4" }, { name: "app-2", address: "10.0.0.5" }] },
            field: "hosts[1].address",
            mentions: /same address/,
        },
        {
            name: "duplicate host name",
            args: { hosts: [{ name: "console", address: "10.0.0.1" }, { name: "console", address: "10.0.0.2" }, { name: "app-1", address: "10.0.0.4" }, { name: "app-2", address: "10.0.0.5" }] },
            field: "hosts[1].name",
            mentions: /duplicate/,
        },
        {
            name: "hostname without an announce IP",
            args: { hosts: [{ name: "console", address: "console.example.com" }, { name: "app-1", address: "10.0.2.71" }, { name: "app-2", address: "10.0.2.72" }] },
            field: "hosts[0].announceAddress",
            mentions: /not an IP address/,
        },
        { name: "bad appendfsync", args: { redis: { appendfsync: "sometimes" as "always" } }, field: "redis.appendfsync", mentions: /always, everysec, no/ },
        { name: "bad maxmemory", args: { redis: { maxmemory: "lots" } }, field: "redis.maxmemory", mentions: /memory size/ },
        { name: "bad parallel-syncs", args: { sentinel: { parallelSyncs: 0 } }, field: "sentinel.parallelSyncs", mentions: /from 1/ },
        { name: "no hosts", args: { hosts: [] }, field: "hosts", mentions: /is empty/ },
    ];
    for (const c of invalid) {
        it(`rejects ${c.name}, naming ${c.field} and the fix`, () => {
            const problems = problemsOf(() => resolveClusterSpec(threeHostTopology(c.args)));
            const match = problems.find((p) => p.startsWith(`${c.field}:`));
            assert.ok(match, `no problem reported for ${c.field}; got:\n${problems.join("\n")}`);
            assert.match(match, c.mentions);
            assert.match(match, /Fix: \S/);
        });
    }

    it("reports every problem at once", () => {
        const problems = problemsOf(() => resolveClusterSpec(threeHostTopology({ clusterName: "X", quorum: 9, redisPort: 6379 })));
        assert.ok(problems.length >= 3, problems.join("\n"));
    });

    it("allows the private ranges by default, and takes single addresses and IPv6 prefixes", () => {
        assert.deepStrictEqual(resolveClusterSpec(threeHostTopology()).ipAllowList, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]);
        assert.deepStrictEqual(resolveClusterSpec(threeHostTopology({ ipAllowList: ["10.1.2.3", "fd00:1::/32", "0.0.0.0/0", "::/0"] })).ipAllowList, ["10.1.2.3", "fd00:1::/32", "0.0.0.0/0", "::/0"]);
        const problems = problemsOf(() => resolveClusterSpec(threeHostTopology({ ipAllowList: ["fd00:1::5/32", "::ffff:10.0.0.1/120"] })));
        assert.match(problems[0]!, /^ipAllowList\[0\]: .*host bits.*Fix: write the network address, "fd00:1::\/32"/);
        assert.match(problems[1]!, /^ipAllowList\[1\]: .*host bits/);
    });

    it("treats directive names as data, not as object keys", () => {
        const problems = problemsOf(() => resolveClusterSpec(threeHostTopology({ redis: { extraDirectives: { constructor: "1", __proto__x: "2", hz: { a: 1 } as unknown as string } } })));
        assert.ok(problems.some((p) => p.startsWith("redis.extraDirectives.constructor: is not a directive of Redis 7.0, Redis 8.0 or Valkey 8.1")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("redis.extraDirectives.hz: ") && /not a string, number or boolean/.test(p)), problems.join("\n"));
    });

    it("checks a plain password, and never prints it", () => {
        const problems = problemsOf(() => resolveClusterSpec(threeHostTopology(), { password: "tiny-secret" }));
        assert.ok(problems.some((p) => p.startsWith("password: is shorter than 16 characters")));
        assert.ok(!problems.join("\n").includes("tiny-secret"));
        assert.strictEqual(resolveClusterSpec(threeHostTopology(), { password: "a-long-enough-password-1234" }).clusterName, "dev");
    });

    it("accepts fewer than 3 sentinels only with allowUnsafeTopology", () => {
        const twoHosts = { hosts: [{ name: "console", address: "10.0.2.104" }, { name: "app-1", address: "10.0.2.71" }], replicas: ["app-1"], sentinels: ["console", "app-1"] };
        assert.ok(problemsOf(() => resolveClusterSpec(threeHostTopology(twoHosts))).some((p) => p.startsWith("sentinels: 2 sentinels on 2 hosts cannot fail over")));
        const spec = resolveClusterSpec(threeHostTopology({ ...twoHosts, allowUnsafeTopology: true }));
        assert.strictEqual(spec.unsafeTopology, true);
        assert.strictEqual(resolveClusterSpec(threeHostTopology()).unsafeTopology, false);
        // The flag lifts the sentinel count only: the quorum rules still hold.
        assert.ok(problemsOf(() => resolveClusterSpec(threeHostTopology({ ...twoHosts, allowUnsafeTopology: true, quorum: 1 }))).some((p) => p.startsWith("quorum: 1 is below a majority")));
    });

    it("takes server as redis (the default) or valkey, and names the field and the choices otherwise", () => {
        assert.strictEqual(resolveClusterSpec(threeHostTopology()).server, "redis");
        assert.strictEqual(resolveClusterSpec(threeHostTopology({ server: "valkey" })).server, "valkey");
        assert.deepStrictEqual(problemsOf(() => resolveClusterSpec(threeHostTopology({ server: "keydb" as ServerKind }))), ['server: "keydb" is not a server redis-ha deploys. Fix: set it to "redis" or "valkey" (default "redis")']);
        assert.deepStrictEqual(problemsOf(() => resolveClusterSpec(threeHostTopology({ server: "toString" as ServerKind }))), ['server: "toString" is not a server redis-ha deploys. Fix: set it to "redis" or "valkey" (default "redis")']);
    });

    it("takes hostTuning as true or false (default off), and names the field otherwise", () => {
        assert.strictEqual(resolveClusterSpec(threeHostTopology()).hostTuning, false);
        assert.strictEqual(resolveClusterSpec(threeHostTopology({ hostTuning: true })).hostTuning, true);
        assert.deepStrictEqual(problemsOf(() => resolveClusterSpec(threeHostTopology({ hostTuning: "yes" as unknown as boolean }))), ['hostTuning: "yes" is not true or false. Fix: set it to true or false (default false)']);
    });

    it("accepts a hostname for SSH when an announce IP is given", () => {
        const spec = resolveClusterSpec(
            threeHostTopology({
                hosts: [
                    { name: "console", address: "console.internal", announceAddress: "10.0.2.104" },
                    { name: "app-1", address: "10.0.2.71" },
                    { name: "app-2", address: "10.0.2.72", sshPort: 2222, sshUser: "admin" },
                ],
            }),
        );
        assert.strictEqual(spec.master.sshHost, "console.internal");
        assert.strictEqual(spec.master.announceAddress, "10.0.2.104");
        assert.strictEqual(spec.replicas[1]?.sshPort, 2222);
        assert.strictEqual(spec.replicas[1]?.sshUser, "admin");
    });
});
