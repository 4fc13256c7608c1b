/**
 * Failover benchmark: every fault of tests/e2e/faultScenarios.ts on a lab of its own, with the visit
 * counter writing under the documented policy (each increment confirmed by one replica with WAIT).
 * Prints JSON and writes bench/results/faults.json, from which bench/readmeTable.ts writes the
 * README's Reliability table.
 *
 *   bash bench/run.sh        # toolchain, lab image, this benchmark, the README table
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { createTestLab } from "../tests/e2e/labHarness";
import { DURABILITY_CONFIG, FAULT_SCENARIOS, FaultResult, runFault } from "../tests/e2e/faultScenarios";

export interface FaultBenchmark {
    date: string;
    machine: string;
    redis: string;
    durability: typeof DURABILITY_CONFIG;
    runs: Array<FaultResult & { waitReplicas: number }>;
}

export const RESULTS_FILE = path.join(__dirname, "results", "faults.json");

async function main(): Promise<void> {
    const lab = await createTestLab("rhtbench", "10.177.83");
    try {
        await (await lab.cluster({ config: DURABILITY_CONFIG })).up();
        const runs: FaultBenchmark["runs"] = [];
        for (const waitReplicas of [1]) {
            for (const scenario of FAULT_SCENARIOS) {
                const result = await runFault(lab, scenario, { waitReplicas, key: `bench:${scenario.name}:${waitReplicas}` });
                runs.push({ ...result, waitReplicas });
                process.stderr.write(`[bench] ${scenario.name} (WAIT ${waitReplicas}): ${JSON.stringify(result)}\n`);
            }
        }
        const redis = execFileSync("docker", ["exec", lab.hosts[0]!.container, "redis-server", "--version"], { encoding: "utf8" }).trim();
        const report: FaultBenchmark = {
            date: new Date().toISOString(),
            machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
            redis,
            durability: DURABILITY_CONFIG,
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
