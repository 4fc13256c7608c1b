/**
 * Failover benchmark: every fault of tests/e2e/faultScenarios.ts, as repeated trials on a lab of its
 * own, with the visit counter writing under the documented policy (each visit confirmed by one
 * replica with WAIT, every confirmed id checked at the end). Per scenario: trials, confirmed, lost
 * (total and worst trial), failover time and longest write gap (min/median/max). Prints JSON and
 * writes bench/results/faults.json, from which bench/readmeTable.ts writes the README's table.
 *
 *   bash bench/run.sh                    # toolchain, lab image, this benchmark, the README table
 *   BENCH_TRIALS=3 bash bench/run.sh     # fewer trials per scenario (default 10)
 *   BENCH_WAIT_REPLICAS=1 bash bench/run.sh   # one client policy only (default "1,0": WAIT 1, then plain replies)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { createTestLab } from "../tests/e2e/labHarness";
import { DURABILITY_CONFIG, FAULT_SCENARIOS, FaultResult, runFault } from "../tests/e2e/faultScenarios";

/** min / median / max of a measure over the trials that have it (null: none has). */
export interface Spread {
    min: number;
    median: number;
    max: number;
}

export interface ScenarioSummary {
    scenario: string;
    /** Replicas each visit waited for (WAIT n; 0: Redis's reply alone). */
    waitReplicas: number;
    description: string;
    trials: number;
    /** Trials in which Sentinel failed over. */
    failovers: number;
    confirmed: number;
    unconfirmed: number;
    errors: number;
    /** Confirmed visits lost, over all trials, and in the worst one. */
    lost: number;
    worstTrialLost: number;
    /** Unconfirmed visits that Redis kept anyway. */
    keptUnconfirmed: number;
    failoverSeconds: Spread | null;
    writeGapSeconds: Spread;
    /** Trials that did not finish, with why. */
    failedTrials?: string[];
}

export interface FaultBenchmark {
    date: string;
    machine: string;
    redis: string;
    durability: typeof DURABILITY_CONFIG;
    trialsPerScenario: number;
    scenarios: ScenarioSummary[];
    runs: Array<FaultResult & { trial: number; waitReplicas: number }>;
}

export function spread(values: number[]): Spread | null {
    if (values.length === 0) return null;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

export function summarize(scenario: { name: string; description: string }, waitReplicas: number, runs: FaultResult[]): ScenarioSummary {
    const sum = (f: (r: FaultResult) => number) => runs.reduce((a, r) => a + f(r), 0);
    return {
        scenario: scenario.name,
        waitReplicas,
        description: scenario.description,
        trials: runs.length,
        failovers: runs.filter((r) => r.failedOver).length,
        confirmed: sum((r) => r.confirmed),
        unconfirmed: sum((r) => r.unconfirmed),
        errors: sum((r) => r.errors),
        lost: sum((r) => r.lost),
        worstTrialLost: Math.max(0, ...runs.map((r) => r.lost)),
        keptUnconfirmed: sum((r) => r.keptUnconfirmed),
        failoverSeconds: spread(runs.flatMap((r) => (r.failoverSeconds === null ? [] : [r.failoverSeconds]))),
        writeGapSeconds: spread(runs.map((r) => r.writeOutageSeconds)) ?? { min: 0, median: 0, max: 0 },
    };
}

export const RESULTS_FILE = path.join(__dirname, "results", "faults.json");

async function main(): Promise<void> {
    const lab = await createTestLab("rhtbench", "10.177.83");
    try {
        await (await lab.cluster({ config: DURABILITY_CONFIG })).up();
        const trials = Number(process.env.BENCH_TRIALS ?? 10);
        // Both client policies: confirmed by one replica (WAIT 1, the documented one), and Redis's reply alone.
        const policies = (process.env.BENCH_WAIT_REPLICAS ?? "1,0").split(",").map(Number);
        const runs: FaultBenchmark["runs"] = [];
        const scenarios: ScenarioSummary[] = [];
        for (const waitReplicas of policies) {
            for (const scenario of FAULT_SCENARIOS) {
                const mine: FaultResult[] = [];
                const failed: string[] = [];
                for (let trial = 1; trial <= trials; trial++) {
                    try {
                        const result = await runFault(lab, scenario, { waitReplicas, key: `bench:${scenario.name}:${waitReplicas}:${trial}` });
                        mine.push(result);
                        runs.push({ ...result, trial, waitReplicas });
                        process.stderr.write(`[bench] ${scenario.name} WAIT ${waitReplicas} trial ${trial}/${trials}: ${JSON.stringify(result)}\n`);
                    } catch (err) {
                        // A trial that could not finish (no failover, the writer never came back, no read-back) is a result too.
                        failed.push(`trial ${trial}: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`);
                        process.stderr.write(`[bench] ${scenario.name} WAIT ${waitReplicas} trial ${trial}/${trials} FAILED: ${failed[failed.length - 1]}\n`);
                    }
                }
                scenarios.push({ ...summarize(scenario, waitReplicas, mine), failedTrials: failed });
            }
        }
        const redis = execFileSync("docker", ["exec", lab.hosts[0]!.container, "redis-server", "--version"], { encoding: "utf8" }).trim();
        const report: FaultBenchmark = {
            date: new Date().toISOString(),
            machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
            redis,
            durability: DURABILITY_CONFIG,
            trialsPerScenario: trials,
            scenarios,
            runs,
        };
        fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
        fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
        console.log(JSON.stringify(report));
    } finally {
        await lab.destroy();
    }
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
