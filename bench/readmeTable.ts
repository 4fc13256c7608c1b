/**
 * Writes the README's Reliability table from bench/results/faults.json (never typed by hand).
 *   npx tsx bench/readmeTable.ts
 */
import * as fs from "fs";
import * as path from "path";
import { FaultBenchmark, RESULTS_FILE, Spread } from "./faults";

const README = path.join(__dirname, "..", "README.md");
const BEGIN = "<!-- reliability:begin -->";
const END = "<!-- reliability:end -->";

/** The dates the rows were measured on: one, or each with its scenarios (a run of some scenarios keeps the others'). */
function measuredOn(bench: FaultBenchmark): string {
    const dates = [...new Set(bench.scenarios.map((r) => r.measuredOn ?? bench.date.slice(0, 10)))].sort();
    if (dates.length === 1) return dates[0]!;
    return dates.map((d) => `${d} (${[...new Set(bench.scenarios.filter((r) => (r.measuredOn ?? bench.date.slice(0, 10)) === d).map((r) => r.scenario))].join(", ")})`).join(" and ");
}

export function reliabilityTable(bench: FaultBenchmark): string {
    const range = (s: Spread | null) => (s === null ? "—" : `${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.max.toFixed(1)} s`);
    const rows = bench.scenarios.map(
        (r) =>
            `| ${r.description} | ${r.waitReplicas === 0 ? "reply" : `WAIT ${r.waitReplicas}`} | ${r.trials} | ${r.failovers} | ${r.stepSeconds ? `— (the operation took ${range(r.stepSeconds)})` : range(r.failoverSeconds)} | ${range(r.writeGapSeconds)} | ${r.confirmed} | ${r.unconfirmed + r.errors} | ${r.stuckOnOldMasterSeconds ? `${r.oldMasterAcceptedUnconfirmed}; ${range(r.stuckOnOldMasterSeconds)}` : "—"} | ${r.lost} (worst trial ${r.worstTrialLost})${r.failedTrials?.length ? `; ${r.failedTrials.length} trial(s) did not finish` : ""} |`,
    );
    return [
        BEGIN,
        `Measured by \`bash bench/run.sh\` on ${measuredOn(bench)} (${bench.machine}; ${bench.redis.split(" ").slice(0, 3).join(" ")}): ${new Set(bench.scenarios.map((r) => r.trials)).size === 1 ? `${bench.trialsPerScenario} trials` : "the trials listed"} per fault or operation and client policy (a visit confirmed by \`WAIT 1\`, or by Redis's reply alone), every confirmed visit checked by its id at the end; stack config \`${JSON.stringify(bench.durability["redis-ha:redis"])}\`, sentinel \`down-after-milliseconds\` ${bench.durability["redis-ha:sentinel"].downAfterMilliseconds}.`,
        "",
        "| fault or operation | confirmed by | trials | failovers | failover time (min / median / max) | longest write gap (min / median / max) | visits confirmed | not confirmed (error, no reply, WAIT short) | old master after the fault: visits it took unconfirmed; client stuck there (min / median / max) | confirmed and lost |",
        "|---|---|---|---|---|---|---|---|---|---|",
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
