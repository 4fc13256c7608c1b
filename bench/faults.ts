/**
 * Failover benchmark: every fault of tests/e2e/faultScenarios.ts, and the rolling change (redis-ha's
 * hand-over), as repeated trials on a lab of its own, with the visit counter writing under the
 * documented policy (each visit confirmed by one replica with WAIT, every confirmed id checked at the end). Per scenario: trials, confirmed, lost
 * (total and worst trial), failover time and longest write gap (min/median/max). Prints JSON and
 * writes bench/results/faults.json, from which bench/readmeTable.ts writes the README's table.
 *
 *   bash bench/run.sh                    # toolchain, lab image, this benchmark, the README table
 *   BENCH_TRIALS=3 bash bench/run.sh     # fewer trials per scenario (default 10)
 *   BENCH_WAIT_REPLICAS=1 bash bench/run.sh   # one client policy only (default "1,0": WAIT 1, then plain replies)
 *   BENCH_SCENARIOS=switchover,sentinel-failover bash bench/run.sh   # only these; the others' results in faults.json are kept
 */
import { measuredCommit } from "./commit";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawn } from "child_process";
import { createTestLab } from "../tests/e2e/labHarness";
import { DURABILITY_CONFIG, FAULT_SCENARIOS, FaultResult, OPERATION_SCENARIOS, runFault } from "../tests/e2e/faultScenarios";

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
    /** Visits the old master accepted after the fault that no replica confirmed (Jepsen's case: the isolated master's writes). */
    oldMasterAcceptedUnconfirmed: number;
    /** How long the client stayed on the old master after the fault, over the trials that failed over. */
    stuckOnOldMasterSeconds: Spread | null;
    failoverSeconds: Spread | null;
    /** An operation's step (the whole `pulumi up`), null for a fault. */
    stepSeconds: Spread | null;
    writeGapSeconds: Spread;
    /** Trials that did not finish, with why. */
    failedTrials?: string[];
    /** When this scenario was measured (ISO date): a run of some scenarios keeps the others' results and dates. */
    measuredOn?: string;
    /** The commit it was measured on (bench/commit.ts); absent in results written before it was recorded. */
    commit?: string;
}

export interface FaultBenchmark {
    date: string;
    /** The commit of the last run (each scenario keeps its own: a run of some scenarios keeps the others'). */
    commit?: string;
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

export function summarize(scenario: { name: string; description: string; operation?: boolean }, waitReplicas: number, runs: FaultResult[]): ScenarioSummary {
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
        oldMasterAcceptedUnconfirmed: sum((r) => r.oldMasterAcceptedUnconfirmed),
        stuckOnOldMasterSeconds: scenario.operation ? null : spread(runs.filter((r) => r.failedOver).map((r) => r.stuckOnOldMasterSeconds)),
        failoverSeconds: spread(runs.flatMap((r) => (r.failoverSeconds === null ? [] : [r.failoverSeconds]))),
        stepSeconds: spread(runs.flatMap((r) => (r.stepSeconds === null ? [] : [r.stepSeconds]))),
        writeGapSeconds: spread(runs.map((r) => r.writeOutageSeconds)) ?? { min: 0, median: 0, max: 0 },
    };
}

export const RESULTS_FILE = path.join(__dirname, "results", "faults.json");

/** The scenarios BENCH_SCENARIOS names (comma-separated), or all of them. */
function selectedScenarios() {
    const all = [...FAULT_SCENARIOS, ...OPERATION_SCENARIOS];
    const names = process.env.BENCH_SCENARIOS?.split(",").filter(Boolean);
    if (!names) return all;
    const unknown = names.filter((n) => !all.some((s) => s.name === n));
    if (unknown.length) throw new Error(`BENCH_SCENARIOS: no scenario ${unknown.join(", ")}; there are ${all.map((s) => s.name).join(", ")}`);
    return all.filter((s) => names.includes(s.name));
}

/**
 * `fresh` over what faults.json holds: a scenario and policy measured now replaces its earlier
 * result; the others stay, with the date they were measured on in their runs.
 */
export function mergeResults(earlier: FaultBenchmark | undefined, fresh: FaultBenchmark): FaultBenchmark {
    if (!earlier) return fresh;
    const key = (s: { scenario: string; waitReplicas: number }) => `${s.scenario}/${s.waitReplicas}`;
    const now = new Set(fresh.scenarios.map(key));
    const order = [...FAULT_SCENARIOS, ...OPERATION_SCENARIOS].map((s) => s.name);
    const kept = earlier.scenarios
        .filter((s) => !now.has(key(s)))
        .map((s) => ({ ...s, measuredOn: s.measuredOn ?? earlier.date.slice(0, 10), ...((s.commit ?? earlier.commit) ? { commit: s.commit ?? earlier.commit } : {}) }));
    const scenarios = [...kept, ...fresh.scenarios].sort(
        (a, b) => a.waitReplicas === b.waitReplicas ? order.indexOf(a.scenario) - order.indexOf(b.scenario) : b.waitReplicas - a.waitReplicas,
    );
    return { ...fresh, trialsPerScenario: Math.max(earlier.trialsPerScenario, fresh.trialsPerScenario), scenarios, runs: [...earlier.runs.filter((r) => !now.has(key(r))), ...fresh.runs] };
}

/** Every trial of every scenario under one client policy, on a lab of its own (not `rht*`: scripts/test.sh removes those). */
async function runPolicy(waitReplicas: number, trials: number): Promise<FaultBenchmark> {
    const lab = await createTestLab(`rhbench${waitReplicas}`, `10.177.${90 + waitReplicas}`);
    try {
        await (await lab.cluster({ config: DURABILITY_CONFIG })).up();
        const runs: FaultBenchmark["runs"] = [];
        const scenarios: ScenarioSummary[] = [];
        for (const scenario of selectedScenarios()) {
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
            scenarios.push({ ...summarize(scenario, waitReplicas, mine), failedTrials: failed, measuredOn: new Date().toISOString().slice(0, 10), commit: measuredCommit() });
        }
        return {
            date: new Date().toISOString(),
            commit: measuredCommit(),
            machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
            redis: execFileSync("docker", ["exec", lab.hosts[0]!.container, "redis-server", "--version"], { encoding: "utf8" }).trim(),
            durability: DURABILITY_CONFIG,
            trialsPerScenario: trials,
            scenarios,
            runs,
        };
    } finally {
        await lab.destroy();
    }
}

async function main(): Promise<void> {
    const trials = Number(process.env.BENCH_TRIALS ?? 10);
    // Both client policies: confirmed by one replica (WAIT 1, the documented one), and Redis's reply alone.
    const policies = (process.env.BENCH_WAIT_REPLICAS ?? "1,0").split(",").map(Number);
    const partFile = process.env.BENCH_PART_FILE;
    if (partFile) {
        // A child of the run below: one policy, its report to the file it was given.
        fs.writeFileSync(partFile, JSON.stringify(await runPolicy(policies[0]!, trials)));
        return;
    }
    // One process and one lab per policy, side by side: the labs are idle between their own steps, and
    // separate processes keep one trial's blocking docker calls out of the other writer's timings.
    const parts = await Promise.all(
        policies.map(async (waitReplicas) => {
            const file = path.join(os.tmpdir(), `redis-ha-bench-${process.pid}-${waitReplicas}.json`);
            await new Promise<void>((resolve, reject) => {
                const child = spawn(process.execPath, [...process.execArgv, __filename], {
                    env: { ...process.env, BENCH_WAIT_REPLICAS: String(waitReplicas), BENCH_PART_FILE: file },
                    stdio: ["ignore", "inherit", "inherit"],
                });
                child.on("error", reject);
                child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the WAIT ${waitReplicas} benchmark exited with ${code}`))));
            });
            const part = JSON.parse(fs.readFileSync(file, "utf8")) as FaultBenchmark;
            fs.rmSync(file, { force: true });
            return part;
        }),
    );
    const report: FaultBenchmark = {
        ...parts[0]!,
        date: new Date().toISOString(),
        scenarios: parts.flatMap((p) => p.scenarios),
        runs: parts.flatMap((p) => p.runs),
    };
    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    const earlier = process.env.BENCH_SCENARIOS && fs.existsSync(RESULTS_FILE) ? (JSON.parse(fs.readFileSync(RESULTS_FILE, "utf8")) as FaultBenchmark) : undefined;
    const merged = mergeResults(earlier, report);
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(merged, null, 2)}\n`);
    console.log(JSON.stringify(report));
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
