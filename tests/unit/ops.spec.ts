/**
 * The operator commands' pure parts: what host reports mean (status), when a switchover is refused
 * before anything runs, and the command line.
 */
import * as assert from "assert";
import { resolveClusterSpec } from "../../components/config/validate";
import { deploymentPlan, switchoverVars } from "../../components/plan/steps";
import { HostReport, formatStatus, parseReport, summarizeStatus } from "../../ops/status";
import { switchoverRefusal } from "../../ops/switchover";
import { parseArgs } from "../../ops/cli";
import { threeHostTopology } from "../fixtures/topology";

const spec = resolveClusterSpec(threeHostTopology());
const addr = (name: string) => `${spec.hosts.find((h) => h.name === name)!.announceAddress}:6389`;

/** Reports of a healthy cluster with `master` as master, each value overridable per host. */
function reports(master: string, override: Record<string, Record<string, string>> = {}): HostReport[] {
    return spec.hosts.map((h) => {
        const isMaster = h.name === master;
        const values: Record<string, string> = {
            "redis.unit": "active",
            "redis.server": "redis 7.0.15",
            "sentinel.server": "redis 7.0.15",
            "redis.role": isMaster ? "master" : "slave",
            ...(isMaster ? { "redis.connected_slaves": "2", "redis.master_repl_offset": "1000" } : { "redis.master_host": addr(master).split(":")[0]!, "redis.master_port": "6389", "redis.master_link_status": "up", "redis.slave_repl_offset": "990" }),
            "redis.replica_priority": "100",
            "sentinel.unit": "active",
            "sentinel.master": addr(master),
            "sentinel.flags": "master",
            "sentinel.config-epoch": "3",
            "sentinel.ckquorum": "OK 3 usable Sentinels. Quorum and failover authorization can be reached",
            ...override[h.name],
        };
        return { host: h.name, values, drift: [] };
    });
}

describe("redis-ha status", () => {
    it("parses key=value lines, values with = kept whole", () => {
        assert.deepStrictEqual(parseReport("a=1\nb=x=y\n\njunk\n"), { a: "1", b: "x=y" });
    });

    it("names the master the sentinels agree on, healthy, with each replica's lag in bytes", () => {
        const s = summarizeStatus(spec, "dev", reports("app-1"));
        assert.deepStrictEqual([s.master, s.healthy, s.problems], ["app-1", true, []]);
        assert.deepStrictEqual(s.hosts.filter((h) => h.host !== "app-1").map((h) => h.redis?.lagBytes), [10, 10]);
        const text = formatStatus(s);
        assert.match(text, /^cluster dev \(stack dev\): master app-1, healthy\n/);
        assert.match(text, /^app-2 +10\.0\.2\.72 +redis 7\.0\.15 +active +replica +up +990 +10 B +100 +active/m);
    });

    it("shows what each host runs, both names while a host's data node and sentinel differ (a migration)", () => {
        const s = summarizeStatus(spec, "dev", reports("app-1", { "app-2": { "redis.server": "valkey 8.1.1" }, console: { "redis.server": "valkey 8.1.1", "sentinel.server": "valkey 8.1.1" } }));
        assert.deepStrictEqual(
            s.hosts.map((h) => [h.host, h.redis?.server, h.sentinel?.server]),
            [
                ["console", "valkey 8.1.1", "valkey 8.1.1"],
                ["app-1", "redis 7.0.15", "redis 7.0.15"],
                ["app-2", "valkey 8.1.1", "redis 7.0.15"],
            ],
        );
        const text = formatStatus(s);
        assert.match(text, /^app-2 +10\.0\.2\.72 +valkey 8\.1\.1 \/ redis 7\.0\.15 +active +replica/m);
        assert.match(text, /^console +\S+ +valkey 8\.1\.1 +active/m);
    });

    it("reports every problem: sentinels disagreeing, a down link, a stopped unit, a host that cannot be asked, drift", () => {
        const r = reports("app-1", { "app-2": { "sentinel.master": addr("app-2"), "redis.master_link_status": "down" }, console: { "sentinel.unit": "inactive" } });
        r[1]!.drift = ["/etc/redis-ha/dev/redis.conf: maxmemory changed outside redis-ha"];
        const s = summarizeStatus(spec, "dev", [...r.filter((x) => x.host !== "app-2"), { host: "app-2", values: {}, drift: [], error: "cannot reach host app-2" }, r[2]!]);
        assert.strictEqual(s.healthy, false);
        assert.ok(s.problems.includes("app-2: cannot be asked: cannot reach host app-2"), s.problems.join("\n"));
        assert.ok(s.problems.includes("console: redis-ha-dev-sentinel.service is inactive"), s.problems.join("\n"));
        assert.ok(s.problems.includes("app-1: /etc/redis-ha/dev/redis.conf: maxmemory changed outside redis-ha"), s.problems.join("\n"));
        const split = summarizeStatus(spec, "dev", reports("app-1", { "app-2": { "sentinel.master": addr("app-2") } }));
        assert.strictEqual(split.master, undefined);
        assert.ok(split.problems.some((p) => p.startsWith("sentinels disagree on the master")), split.problems.join("\n"));
        const two = summarizeStatus(spec, "dev", reports("app-1", { "app-2": { "redis.role": "master" } }));
        assert.ok(two.problems.some((p) => p.startsWith("more than one node reports the master role")), two.problems.join("\n"));
    });
});

describe("redis-ha switchover: refusals before anything runs", () => {
    const dataNodes = spec.hosts.filter((h) => deploymentPlan(spec).dataNodes.some((d) => d.name === h.name));
    it("refuses an unknown target, naming the data nodes, and a cluster that is not healthy, naming why", () => {
        const ok = summarizeStatus(spec, "dev", reports("app-1"));
        assert.strictEqual(switchoverRefusal(ok, dataNodes, "app-9"), '"app-9" is not a data node of cluster dev; use one of console, app-1, app-2');
        assert.strictEqual(switchoverRefusal(ok, dataNodes, "app-2"), undefined);
        assert.strictEqual(switchoverRefusal(ok, dataNodes, undefined), undefined);
        const sick = summarizeStatus(spec, "dev", reports("app-1", { console: { "redis.master_link_status": "down" } }));
        assert.match(switchoverRefusal(sick, dataNodes, "app-2") ?? "", /^the cluster is not healthy; fix this first: console: replica link to .* is down/);
    });

    it("gives the program on the master the target's announce address, or none for Sentinel's pick", () => {
        assert.strictEqual(switchoverVars(spec, spec.master, spec.hosts[2]).RH_TARGET_ADDRESS, "10.0.2.72");
        assert.strictEqual(switchoverVars(spec, spec.master, undefined).RH_TARGET_ADDRESS, "");
    });
});

describe("redis-ha command line", () => {
    it("takes the stack, the project directory, --json for status and --to for switchover", () => {
        assert.deepStrictEqual(parseArgs(["status", "-s", "prod", "--json", "--cwd", "/p"]), { command: "status", stack: "prod", cwd: "/p", json: true });
        assert.strictEqual(parseArgs(["switchover", "--stack", "prod", "--to", "db2"]).to, "db2");
    });

    it("refuses what it does not know, saying how it is used", () => {
        assert.throws(() => parseArgs(["failover"]), /^Error: usage: redis-ha status/);
        assert.throws(() => parseArgs(["status", "--to", "x", "-s", "p"]), /unknown option --to/);
        assert.throws(() => parseArgs(["switchover", "-s"]), /-s needs a value/);
        const stack = process.env.PULUMI_STACK;
        delete process.env.PULUMI_STACK;
        try {
            assert.throws(() => parseArgs(["status"]), /name the stack with -s <stack>/);
        } finally {
            if (stack !== undefined) process.env.PULUMI_STACK = stack;
        }
    });
});
