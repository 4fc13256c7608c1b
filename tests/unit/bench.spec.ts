/**
 * bench/faults.ts's merge: a run of some scenarios (BENCH_SCENARIOS) replaces their results in
 * faults.json and keeps the others', with the date each was measured on; bench/deploy.ts's figures,
 * parsing and verdicts, and the README table made from them.
 */
import * as assert from "assert";
import { FaultBenchmark, ScenarioSummary, mergeResults } from "../../bench/faults";
import * as deploy from "../../bench/deploy";
import { frontendTable, measuredOn, performanceTable } from "../../bench/readmeTable";
import { summarizeClient } from "../../bench/frontend";

const summary = (scenario: string, waitReplicas: number, trials: number, measuredOn?: string): ScenarioSummary => ({
    scenario,
    waitReplicas,
    description: scenario,
    trials,
    failovers: 0,
    confirmed: 1,
    unconfirmed: 0,
    errors: 0,
    lost: 0,
    worstTrialLost: 0,
    keptUnconfirmed: 0,
    oldMasterAcceptedUnconfirmed: 0,
    stuckOnOldMasterSeconds: null,
    failoverSeconds: null,
    stepSeconds: null,
    writeGapSeconds: { min: 0, median: 0, max: 0 },
    ...(measuredOn ? { measuredOn } : {}),
});
const bench = (date: string, trials: number, scenarios: ScenarioSummary[]): FaultBenchmark =>
    ({ date, machine: "m", redis: "r", durability: {}, trialsPerScenario: trials, scenarios, runs: [] }) as unknown as FaultBenchmark;

describe("bench results merge (BENCH_SCENARIOS)", () => {
    it("replaces the scenarios measured now and keeps the others, each with the date it was measured on", () => {
        const earlier = bench("2026-11-30T10:00:00Z", 10, [summary("master-killed", 1, 10), summary("rolling-change", 1, 10), summary("master-killed", 0, 10)]);
        const fresh = bench("2026-12-01T10:00:00Z", 5, [summary("rolling-change", 1, 5, "2026-12-01"), summary("switchover", 1, 5, "2026-12-01")]);
        const merged = mergeResults(earlier, fresh);
        assert.deepStrictEqual(
            merged.scenarios.map((s) => [s.scenario, s.waitReplicas, s.trials, s.measuredOn]),
            [
                ["master-killed", 1, 10, "2026-11-30"],
                ["rolling-change", 1, 5, "2026-12-01"],
                ["switchover", 1, 5, "2026-12-01"],
                ["master-killed", 0, 10, "2026-11-30"],
            ],
        );
        assert.strictEqual(mergeResults(undefined, fresh), fresh);
    });

    it("keeps the commit each scenario was measured on, and the README names it (or that it was not recorded)", () => {
        const old = bench("2026-11-30T10:00:00Z", 10, [summary("master-killed", 1, 10), summary("rolling-change", 1, 10)]);
        const withCommit = (s: ScenarioSummary, commit: string) => ({ ...s, commit });
        const later = { ...bench("2026-12-01T10:00:00Z", 5, [withCommit(summary("rolling-change", 1, 5, "2026-12-01"), "abc1234")]), commit: "abc1234" };
        const merged = mergeResults(old, later);
        assert.deepStrictEqual(
            merged.scenarios.map((s) => [s.scenario, s.commit]),
            [
                ["master-killed", undefined],
                ["rolling-change", "abc1234"],
            ],
        );
        assert.strictEqual(measuredOn(merged), "2026-11-30 at commit not recorded (master-killed) and 2026-12-01 at abc1234 (rolling-change)");
        const next = { ...bench("2026-12-02T10:00:00Z", 5, [withCommit(summary("master-killed", 1, 5, "2026-12-02"), "def5678")]), commit: "def5678" };
        assert.deepStrictEqual(
            mergeResults(merged, next).scenarios.map((s) => [s.scenario, s.commit]),
            [
                ["master-killed", "def5678"],
                ["rolling-change", "abc1234"],
            ],
        );
    });
});

describe("bench/deploy.ts: its arithmetic, parsing and verdicts", () => {
    const sp = (median: number) => ({ min: median, median, max: median });
    const figures = (fresh: number, noop: number, logins: number) => ({
        fresh: sp(fresh),
        noop: sp(noop),
        noopChanges: [0],
        freshSshLoginsPerHost: sp(3),
        noopSshLoginsPerHost: sp(logins),
        healthy: [true],
        problems: [],
    });

    it("takes min / median / max, the median of an even count halfway", () => {
        assert.deepStrictEqual(deploy.spread([3, 1, 2]), { min: 1, median: 2, max: 3 });
        assert.deepStrictEqual(deploy.spread([4, 1, 2, 3]), { min: 1, median: 2.5, max: 4 });
    });

    it("takes BENCH_REPEATS as one count or one per size, and refuses anything else", () => {
        assert.deepStrictEqual(deploy.repeatsPerSize([3, 12, 30], "3,2,2"), [3, 2, 2]);
        assert.deepStrictEqual(deploy.repeatsPerSize([3, 12, 30], "2"), [2, 2, 2]);
        assert.throws(() => deploy.repeatsPerSize([3], "0"), /BENCH_REPEATS=0: give counts of 1 or more/);
    });

    it("groups hosts in clusters of three, a remainder joining the last", () => {
        assert.deepStrictEqual(deploy.clustersOf([1, 2, 3, 4, 5, 6]), [[1, 2, 3], [4, 5, 6]]);
        assert.deepStrictEqual(deploy.clustersOf([1, 2, 3, 4]), [[1, 2, 3, 4]]);
        assert.strictEqual(deploy.clustersOf(Array.from({ length: 100 }, (_, i) => i)).length, 33);
    });

    it("measures state as the backend stores it (compact), not as `pulumi stack export` indents it", () => {
        const deployment = { resources: [{ urn: "u", outputs: { a: "b" } }] };
        const exported = JSON.stringify({ version: 3, deployment }, null, 4);
        assert.strictEqual(deploy.stateBytesPerHost(exported, 2), Math.round(JSON.stringify(deployment).length / 2));
    });

    it("counts what a pulumi summary says changed and what an ansible recap says changed", () => {
        assert.strictEqual(deploy.pulumiChanges("Resources:\n    26 unchanged\n\nDuration: 5s\n"), 0);
        assert.strictEqual(deploy.pulumiChanges("Resources:\n    + 2 created\n    ~ 16 updated\n    8 unchanged\n"), 18);
        const recap = "PLAY RECAP ****\ng1-backend-console : ok=12 changed=5 unreachable=0 failed=0\ng1-backend-app1 : ok=12   changed=4 unreachable=0\n";
        assert.strictEqual(deploy.ansibleChanged(recap), 9);
    });

    it("writes the role's inventory with the article's host names and per-cluster master and name", () => {
        const inv = deploy.ansibleInventory([[{ address: "10.0.0.1" }, { address: "10.0.0.2" }, { address: "10.0.0.3" }]], "/k", "/kh");
        assert.match(inv, /^g1-backend-console ansible_host=10\.0\.0\.1$/m);
        assert.match(inv, /^g1-backend-app2 ansible_host=10\.0\.0\.3$/m);
        assert.match(inv, /^redis_cluster_master_host=10\.0\.0\.1$/m);
        assert.match(inv, /^redis_cluster_name=redis-g1-cluster$/m);
        assert.match(inv, /StrictHostKeyChecking=yes/);
    });

    it("judges each goal of issues 12 and 22 from the medians, and the table shows a goal not met as such", () => {
        const sizes = [
            { hosts: 3, clusters: 1, repeats: 1, redisHa: { ...figures(6, 3, 0), preview: sp(4), stateBytesPerHost: sp(98_420) }, ansible: { ...figures(10, 12, 1), healthy: [false] } },
            { hosts: 30, clusters: 10, repeats: 1, redisHa: { ...figures(30, 6, 0), preview: sp(9) }, ansible: figures(60, 60, 1) },
        ];
        const goals = deploy.judgeGoals(sizes, [{ hosts: 3, clusters: 1, seconds: sp(4) }, { hosts: 100, clusters: 33, seconds: sp(8) }], undefined);
        assert.deepStrictEqual(
            goals.map((g) => [g.goal.split(" ").slice(0, 3).join(" "), g.met]),
            [
                ["fresh converge of", true],
                ["no-op `pulumi up`", true],
                ["state per host", false],
                ["fresh converge of", false],
                ["preview of 100", false],
            ],
        );
        const table = performanceTable({ date: "2026-12-01T00:00:00Z", machine: "m", pulumi: "v3", executor: "command", ansible: "ansible", pulumiCommand: "pulumi up", sizes, previewScale: [], goals });
        assert.match(table, /\| preview of 100 hosts against 3 \| ≤ 1\.5× \| 2× \(8 s vs 4 s\) \| \*\*no\*\* \|/);
        assert.match(table, /\| state per host \(the stored checkpoint, 3 hosts\) \| ≤ 15 KB \| 98\.4 KB \(98420 bytes\) \| \*\*no\*\* \|/);
        assert.match(table, /^\| 3 \(1 cluster\) \| 1 \| 6\.0 \/ 6\.0 \/ 6\.0 s \| 10\.0 \/ 10\.0 \/ 10\.0 s \| 0\.60× \|/m);
    });
});

describe("bench/frontend.ts", () => {
    it("sums each client's trials and spreads its gaps; the table shows both clients and both READONLY counts", () => {
        const c = summarizeClient([
            { confirmed: 10, unconfirmed: 1, lost: 0, readonly: 0, gapSeconds: 4 },
            { confirmed: 20, unconfirmed: 2, lost: 1, readonly: 0, gapSeconds: 6 },
        ]);
        assert.deepStrictEqual(c, { confirmed: 30, unconfirmed: 3, lost: 1, worstTrialLost: 1, readonly: 0, writeGapSeconds: { min: 4, median: 5, max: 6 } });
        const table = frontendTable({
            date: "2026-12-02T00:00:00Z",
            machine: "m",
            trialsPerScenario: 2,
            runs: [],
            scenarios: [{ scenario: "frontend-killed", description: "the frontend killed", trials: 2, failovers: 0, ioredis: c, redisCli: { ...c, lost: 0 }, readonlyOnNodes: 0, failoverSeconds: null, takeoverSeconds: { min: 3, median: 3.5, max: 4 }, failedTrials: [] }],
        });
        assert.match(table, /\| the frontend killed \| 2 \| 0 \| — \| 3\.0 \/ 3\.5 \/ 4\.0 s \| 4\.0 \/ 5\.0 \/ 6\.0 s \| 4\.0 \/ 5\.0 \/ 6\.0 s \| 30 \/ 30 \| 1 \/ 0 \| 0; 0 \|/);
        assert.ok(table.startsWith("<!-- frontend:begin -->") && table.endsWith("<!-- frontend:end -->"));
    });
});
