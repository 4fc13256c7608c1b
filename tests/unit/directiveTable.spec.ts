/**
 * The one-row-per-directive table (components/config/directiveTable.ts) and what is derived from it:
 * the redis.conf lines, the typed settings' defaults and checks, the restart / rotation / Sentinel
 * lists the remote programs get, and the `redis.extraDirectives` refusals.
 */
import * as assert from "assert";
import { PASSWORD_DIRECTIVES, REDIS_CONF_DIRECTIVES, REDIS_DEFAULTS, RESTART_DIRECTIVES, SENTINEL_OWNED_DIRECTIVES, TYPED_SETTINGS } from "../../components/config/directiveTable";
import { REDIS_DIRECTIVES, REFUSED_EXTRA_DIRECTIVES } from "../../components/config/redisDirectives";
import { resolveClusterSpec } from "../../components/config/validate";
import { renderRedisConf } from "../../components/render/render";
import { redisStepVars } from "../../components/plan/steps";
import { threeHostTopology } from "../fixtures/topology";
import { problemsOf } from "../fixtures/problems";

const PASSWORD = "a-long-enough-password";

describe("the directive table", () => {
    it("names only directives Redis 7.0 knows, each once", () => {
        const names = REDIS_CONF_DIRECTIVES.flatMap((r) => [r.directive, ...(r.aliases ?? [])]);
        for (const n of names) assert.ok(REDIS_DIRECTIVES.has(n), `${n} is not a directive redis-ha knows`);
        assert.strictEqual(new Set(names).size, names.length);
    });

    it("is redis.conf, row by row, in its order", () => {
        const spec = resolveClusterSpec(threeHostTopology());
        const replica = spec.replicas[0]!;
        const written = renderRedisConf(spec, replica, PASSWORD)
            .split("\n")
            .filter((l) => l !== "" && !l.startsWith("#"))
            .map((l) => l.split(" ")[0]);
        const rows = REDIS_CONF_DIRECTIVES.filter((r) => !r.directive.startsWith("tls-") && r.directive !== "user" && r.directive !== "masteruser").map((r) => r.directive);
        assert.deepStrictEqual(written, rows);
    });

    it("gives each typed setting its default, and checks it", () => {
        const spec = resolveClusterSpec(threeHostTopology());
        for (const t of TYPED_SETTINGS) assert.strictEqual(spec.redis[t.key], REDIS_DEFAULTS[t.key], t.key);
        assert.deepStrictEqual(problemsOf(() => resolveClusterSpec(threeHostTopology({ redis: { appendonly: "no" as unknown as boolean, replicaPriority: -1, appendfsync: "often" as "no" } }))), [
            'redis.appendonly: "no" is not true or false. Fix: set it to true or false',
            'redis.appendfsync: "often" is not allowed. Fix: use one of always, everysec, no',
            "redis.replicaPriority: -1 is out of range. Fix: use an integer from 0 to 1000",
        ]);
    });

    it("sends the programs which directives restart a node, which only the rotation sets, and which are Sentinel's", () => {
        const vars = redisStepVars(resolveClusterSpec(threeHostTopology()), resolveClusterSpec(threeHostTopology()).master, PASSWORD);
        assert.deepStrictEqual(vars.RH_RESTART_DIRECTIVES.split(" "), [...RESTART_DIRECTIVES]);
        assert.ok(RESTART_DIRECTIVES.includes("port") && RESTART_DIRECTIVES.includes("tls-port") && !RESTART_DIRECTIVES.includes("maxmemory"));
        assert.deepStrictEqual([...PASSWORD_DIRECTIVES].sort(), ["requirepass", "user"]);
        assert.deepStrictEqual([...SENTINEL_OWNED_DIRECTIVES], ["replicaof", "slaveof"]);
        assert.strictEqual(vars.RH_SENTINEL_OWNED, "replicaof slaveof");
    });

    it("refuses every directive it writes, and its aliases, in redis.extraDirectives, with the row's fix", () => {
        for (const row of REDIS_CONF_DIRECTIVES) {
            for (const name of [row.directive, ...(row.aliases ?? [])]) {
                assert.strictEqual(REFUSED_EXTRA_DIRECTIVES[name]?.fix, row.fix, name);
            }
        }
        assert.strictEqual(REFUSED_EXTRA_DIRECTIVES["slave-priority"]?.why, "redis-ha sets it from `redis.replicaPriority`");
    });
});
