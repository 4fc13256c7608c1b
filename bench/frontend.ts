/**
 * Frontend benchmark: clients that know only the VIP (non-Sentinel ioredis, and plain redis-cli on
 * a lab host) write through HAProxy + keepalived while the master is killed, and while the frontend
 * host holding the VIP is killed, as repeated trials on a lab of its own (five hosts), each visit
 * confirmed by one replica (WAIT 1) and every confirmed id checked at the end. Per scenario: trials,
 * confirmed, lost (total and worst trial), writes that reached a replica (READONLY), the longest
 * write gap of each client, the failover time and the VIP's takeover time (min/median/max). Prints
 * JSON and writes bench/results/frontend.json, from which bench/readmeTable.ts writes the README's table.
 *
 *   bash bench/run.sh frontend                     # toolchain, lab image, this benchmark, the README tables
 *   BENCH_TRIALS=3 bash bench/run.sh frontend      # fewer trials per scenario (default 5)
 */
import { measuredCommit } from "./commit";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createTestLab } from "../tests/e2e/labHarness";
import { FAULT_SCENARIOS, FaultScenario } from "../tests/e2e/faultScenarios";
import { FRONTEND_LAB_HOSTS, ThroughVipResult, frontendConfig, frontendHosts, frontendKilled, runThroughVip } from "../tests/e2e/frontendScenarios";
import { Spread, spread } from "./faults";

/** One client's figures over a scenario's trials. */
export interface ClientSummary {
    confirmed: number;
    unconfirmed: number;
    lost: number;
    worstTrialLost: number;
    /** Writes a replica refused (READONLY) as this client saw them. */
    readonly: number;
    writeGapSeconds: Spread | null;
}

export interface FrontendScenarioSummary {
    scenario: string;
    description: string;
    trials: number;
    failovers: number;
    ioredis: ClientSummary;
    redisCli: ClientSummary;
    /** READONLY replies counted on the data nodes that kept running: writes the frontend sent to a replica. */
    readonlyOnNodes: number;
    failoverSeconds: Spread | null;
    /** From the kill of the VIP's holder to the other frontend holding it (the frontend kill only). */
    takeoverSeconds: Spread | null;
    failedTrials: string[];
}

export interface FrontendBenchmark {
    date: string;
    /** The commit measured (bench/commit.ts); absent in results written before it was recorded. */
    commit?: string;
    machine: string;
    trialsPerScenario: number;
    scenarios: FrontendScenarioSummary[];
    runs: Array<ThroughVipResult & { scenario: string; trial: number; takeoverSeconds: number | null }>;
}

export const FRONTEND_RESULTS_FILE = path.join(__dirname, "results", "frontend.json");

export function summarizeClient(runs: Array<{ confirmed: number; unconfirmed: number; lost: number; readonly: number; gapSeconds: number }>): ClientSummary {
    const sum = (f: (r: (typeof runs)[number]) => number) => runs.reduce((a, r) => a + f(r), 0);
    return {
        confirmed: sum((r) => r.confirmed),
        unconfirmed: sum((r) => r.unconfirmed),
        lost: sum((r) => r.lost),
        worstTrialLost: Math.max(0, ...runs.map((r) => r.lost)),
        readonly: sum((r) => r.readonly),
        writeGapSeconds: spread(runs.map((r) => r.gapSeconds)),
    };
}

export function summarizeFrontend(scenario: FaultScenario, runs: FrontendBenchmark["runs"], failedTrials: string[]): FrontendScenarioSummary {
    return {
        scenario: scenario.name,
        description: scenario.description,
        trials: runs.length,
        failovers: runs.filter((r) => r.ioredis.failedOver).length,
        ioredis: summarizeClient(runs.map((r) => ({ ...r.ioredis, gapSeconds: r.ioredis.writeOutageSeconds }))),
        redisCli: summarizeClient(runs.map((r) => ({ ...r.cli, gapSeconds: r.cli.longestGapMs / 1000 }))),
        readonlyOnNodes: runs.reduce((a, r) => a + r.readonlyOnNodes, 0),
        failoverSeconds: spread(runs.flatMap((r) => (r.ioredis.failoverSeconds === null ? [] : [r.ioredis.failoverSeconds]))),
        takeoverSeconds: spread(runs.flatMap((r) => (r.takeoverSeconds === null ? [] : [r.takeoverSeconds]))),
        failedTrials,
    };
}

async function main(): Promise<void> {
    const trials = Number(process.env.BENCH_TRIALS ?? 5);
    // Not `rht*` (scripts/test.sh removes those); a subnet no other lab uses.
    const subnet = "10.177.93";
    const { vip, through, config } = frontendConfig(subnet);
    const lab = await createTestLab("rhbenchfront", subnet, FRONTEND_LAB_HOSTS);
    const runs: FrontendBenchmark["runs"] = [];
    const scenarios: FrontendScenarioSummary[] = [];
    try {
        await (await lab.cluster({ config })).up();
        const kinds = [
            { make: () => FAULT_SCENARIOS.find((s) => s.name === "master-killed")!, cliHost: () => frontendHosts(lab)[1]! },
            { make: () => frontendKilled(vip), cliHost: (master: (typeof lab.hosts)[number]) => lab.hosts.slice(0, 3).find((h) => h !== master)! },
        ];
        for (const kind of kinds) {
            const mine: FrontendBenchmark["runs"] = [];
            const failed: string[] = [];
            // A fresh scenario per trial (the frontend kill records its takeover in it); the first names the summary.
            const named: FaultScenario = kind.make();
            for (let trial = 1; trial <= trials; trial++) {
                const scenario = trial === 1 ? named : kind.make();
                try {
                    const r = await runThroughVip(lab, scenario, through, kind.cliHost, `bench:front:${scenario.name}:${trial}`);
                    const takeoverSeconds = "takeover" in scenario ? (scenario as ReturnType<typeof frontendKilled>).takeover.seconds : null;
                    const run = { ...r, scenario: scenario.name, trial, takeoverSeconds };
                    mine.push(run);
                    runs.push(run);
                    process.stderr.write(`[bench] ${scenario.name} trial ${trial}/${trials}: ${JSON.stringify(run)}\n`);
                } catch (err) {
                    failed.push(`trial ${trial}: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`);
                    process.stderr.write(`[bench] ${scenario.name} trial ${trial}/${trials} FAILED: ${failed[failed.length - 1]}\n`);
                }
            }
            scenarios.push(summarizeFrontend(named, mine, failed));
        }
    } finally {
        await lab.destroy();
    }
    const report: FrontendBenchmark = {
        date: new Date().toISOString(),
        commit: measuredCommit(),
        machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
        trialsPerScenario: trials,
        scenarios,
        runs,
    };
    fs.mkdirSync(path.dirname(FRONTEND_RESULTS_FILE), { recursive: true });
    fs.writeFileSync(FRONTEND_RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report.scenarios));
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
