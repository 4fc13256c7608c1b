/**
 * bench/faults.ts's merge: a run of some scenarios (BENCH_SCENARIOS) replaces their results in
 * faults.json and keeps the others', with the date each was measured on.
 */
import * as assert from "assert";
import { FaultBenchmark, ScenarioSummary, mergeResults } from "../../bench/faults";

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
});
