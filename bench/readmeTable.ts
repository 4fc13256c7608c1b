/**
 * Writes the README's Reliability table from bench/results/faults.json (never typed by hand).
 *   npx tsx bench/readmeTable.ts
 */
import * as fs from "fs";
import * as path from "path";
import { FaultBenchmark, RESULTS_FILE } from "./faults";

const README = path.join(__dirname, "..", "README.md");
const BEGIN = "<!-- reliability:begin -->";
const END = "<!-- reliability:end -->";

export function reliabilityTable(bench: FaultBenchmark): string {
    const seconds = (s: number | null) => (s === null ? "—" : `${s.toFixed(1)} s`);
    const rows = bench.runs.map(
        (r) =>
            `| ${r.description} | ${r.failedOver ? `yes (${r.oldMaster} → ${r.newMaster})` : "no"} | ${seconds(r.failoverSeconds)} | ${seconds(r.writeOutageSeconds)} | ${r.acknowledged} (WAIT ${r.waitReplicas}) | ${r.notAcknowledged} | ${r.lost} |`,
    );
    return [
        BEGIN,
        `Measured by \`bash bench/run.sh\` on ${bench.date.slice(0, 10)} (${bench.machine}; ${bench.redis.split(" ").slice(0, 3).join(" ")}), stack config: \`${JSON.stringify(bench.durability["redis-ha:redis"])}\`, sentinel \`down-after-milliseconds\` ${bench.durability["redis-ha:sentinel"].downAfterMilliseconds}.`,
        "",
        "| fault | failover | failover time | longest write outage | increments acknowledged | not acknowledged (client saw an error) | acknowledged and lost |",
        "|---|---|---|---|---|---|---|",
        ...rows,
        END,
    ].join("\n");
}

function main(): void {
    const bench = JSON.parse(fs.readFileSync(RESULTS_FILE, "utf8")) as FaultBenchmark;
    const readme = fs.readFileSync(README, "utf8");
    const start = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} ... ${END} section`);
    fs.writeFileSync(README, readme.slice(0, start) + reliabilityTable(bench) + readme.slice(end + END.length));
    console.log(reliabilityTable(bench));
}

if (require.main === module) main();
