/**
 * Writes the README's Reliability table from bench/results/faults.json, its frontend table from
 * bench/results/frontend.json, its migration table from bench/results/migration.json and its Performance table from bench/results/deploy.json (never typed by hand).
 *   npx tsx bench/readmeTable.ts
 */
import * as fs from "fs";
import * as path from "path";
import { FaultBenchmark, RESULTS_FILE, Spread } from "./faults";
import { DEPLOY_RESULTS_FILE, DeployBenchmark } from "./deploy";
import { FRONTEND_RESULTS_FILE, FrontendBenchmark } from "./frontend";
import { MIGRATION_RESULTS_FILE, MigrationBenchmark } from "./migration";
import { COMMIT_NOT_RECORDED } from "./commit";

const README = path.join(__dirname, "..", "README.md");
const BEGIN = "<!-- reliability:begin -->";
const END = "<!-- reliability:end -->";

/** A spread as the tables print it: "min / median / max s", or "—" when no trial had the measure. */
const range = (s: Spread | null) => (s === null ? "—" : `${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.max.toFixed(1)} s`);

/** Where a result came from: its date and the commit it measured. */
const dateAndCommit = (date: string, commit: string | undefined) => `${date} at ${commit ?? COMMIT_NOT_RECORDED}`;

/** The dates and commits the rows were measured on: one, or each with its scenarios (a run of some scenarios keeps the others'). */
export function measuredOn(bench: FaultBenchmark): string {
    // Each scenario's own commit: the report's is the last run's, which may have measured only some of them.
    const of = (r: FaultBenchmark["scenarios"][number]) => dateAndCommit(r.measuredOn ?? bench.date.slice(0, 10), r.commit);
    const runs = [...new Set(bench.scenarios.map(of))].sort();
    if (runs.length === 1) return runs[0]!;
    return runs.map((d) => `${d} (${[...new Set(bench.scenarios.filter((r) => of(r) === d).map((r) => r.scenario))].join(", ")})`).join(" and ");
}

export function reliabilityTable(bench: FaultBenchmark): string {
    const rows = bench.scenarios.map(
        (r) =>
            `| ${r.description} | ${r.waitReplicas === 0 ? "reply" : `WAIT ${r.waitReplicas}`} | ${r.trials} | ${r.failovers} | ${r.stepSeconds ? `— (the operation took ${range(r.stepSeconds)})` : range(r.failoverSeconds)} | ${range(r.writeGapSeconds)} | ${r.confirmed} | ${r.unconfirmed + r.errors} | ${r.stuckOnOldMasterSeconds ? `${r.oldMasterAcceptedUnconfirmed}; ${range(r.stuckOnOldMasterSeconds)}` : "—"} | ${r.lost} (worst trial ${r.worstTrialLost})${r.failedTrials?.length ? `; ${r.failedTrials.length} trial(s) did not finish` : ""} |`,
    );
    return [
        BEGIN,
        `Measured by \`bash bench/run.sh\` on ${measuredOn(bench)} (${bench.machine}; ${bench.redis.split(" ").slice(0, 3).join(" ")}): ${trialsText(bench.scenarios.map((r) => r.trials))} per fault or operation and client policy (a visit confirmed by \`WAIT 1\`, or by Redis's reply alone), every confirmed visit checked by its id at the end; stack config \`${JSON.stringify(bench.durability["redis-ha:redis"])}\`, sentinel \`down-after-milliseconds\` ${bench.durability["redis-ha:sentinel"].downAfterMilliseconds}.`,
        "",
        "| fault or operation | confirmed by | trials | failovers | failover time (min / median / max) | longest write gap (min / median / max) | visits confirmed | not confirmed (error, no reply, WAIT short) | old master after the fault: visits it took unconfirmed; client stuck there (min / median / max) | confirmed and lost |",
        "|---|---|---|---|---|---|---|---|---|---|",
        ...rows,
        END,
    ].join("\n");
}

const PERF_BEGIN = "<!-- performance:begin -->";
const PERF_END = "<!-- performance:end -->";

export function performanceTable(bench: DeployBenchmark): string {
    const s = (x: Spread | undefined) => (x === undefined ? "—" : `${x.min.toFixed(1)} / ${x.median.toFixed(1)} / ${x.max.toFixed(1)} s`);
    const n = (x: Spread) => (x.min === x.max ? `${x.min}` : `${x.min}–${x.max}`);
    const ratio = (a: Spread, b: Spread) => `${(a.median / b.median).toFixed(2)}×`;
    const healthy = (h: boolean[]) => `${h.filter(Boolean).length}/${h.length}`;
    const rows = bench.sizes.map(
        (r) =>
            `| ${r.hosts} (${r.clusters} cluster${r.clusters > 1 ? "s" : ""}) | ${r.repeats} | ${s(r.redisHa.fresh)} | ${s(r.ansible.fresh)} | ${ratio(r.redisHa.fresh, r.ansible.fresh)} | ${s(r.redisHa.noop)} (${[...new Set(r.redisHa.noopChanges)].join(", ")} changes) | ${s(r.ansible.noop)} (${[...new Set(r.ansible.noopChanges)].join(", ")} tasks changed) | ${ratio(r.redisHa.noop, r.ansible.noop)} | ${s(r.redisHa.noopWithPreview)} | ${s(r.redisHa.preview)} | ${n(r.redisHa.freshSshLoginsPerHost)} / ${n(r.redisHa.noopSshLoginsPerHost)}; ${n(r.ansible.freshSshLoginsPerHost)} / ${n(r.ansible.noopSshLoginsPerHost)} | ${healthy(r.redisHa.healthy)}; ${healthy(r.ansible.healthy)} |`,
    );
    return [
        PERF_BEGIN,
        `Measured by \`npm run bench\` (bench/deploy.ts) on ${dateAndCommit(bench.date.slice(0, 10), bench.commit)} (${bench.machine}; ${bench.pulumi}, \`${bench.executor}\` executor; ${bench.ansible}), min / median / max over the repeats. redis-ha is timed around \`${bench.pulumiCommand}\` through the CLI (the compiled program), seed 004's role (bench/seed004/) around \`ansible-playbook\`, one after the other on the same lab hosts, cleaned of both before each fresh run. A cluster is three hosts (master, two replicas, a sentinel on each).`,
        "",
        "| hosts | repeats | redis-ha fresh | role fresh | ratio | redis-ha second run | role second run | ratio | redis-ha second run with its preview (`pulumi up --yes`) | `pulumi preview` | SSH logins per host, fresh / second run (redis-ha; role) | clusters healthy after fresh (redis-ha; role) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ...rows,
        "",
        `Preview of a stack never deployed (no host contacted): ${bench.previewScale.map((p) => `${p.hosts} hosts (${p.clusters} clusters) ${s(p.seconds)}`).join("; ")}.`,
        "",
        "| goal (issues 12 and 22) | target | measured | met |",
        "|---|---|---|---|",
        ...bench.goals.map((g) => `| ${g.goal} | ${g.target} | ${g.measured} | ${g.met ? "yes" : "**no**"} |`),
        PERF_END,
    ].join("\n");
}

const FRONT_BEGIN = "<!-- frontend:begin -->";
const FRONT_END = "<!-- frontend:end -->";

export function frontendTable(bench: FrontendBenchmark): string {
    const rows = bench.scenarios.map(
        (r) =>
            `| ${r.description} | ${r.trials}${r.failedTrials.length ? ` (${r.failedTrials.length} did not finish)` : ""} | ${r.failovers} | ${range(r.failoverSeconds)} | ${range(r.takeoverSeconds)} | ${range(r.ioredis.writeGapSeconds)} | ${range(r.redisCli.writeGapSeconds)} | ${r.ioredis.confirmed} / ${r.redisCli.confirmed} | ${r.ioredis.lost} / ${r.redisCli.lost} | ${r.ioredis.readonly + r.redisCli.readonly}; ${r.readonlyOnNodes} |`,
    );
    return [
        FRONT_BEGIN,
        `Measured by \`bash bench/run.sh frontend\` on ${dateAndCommit(bench.date.slice(0, 10), bench.commit)} (${bench.machine}): ${bench.trialsPerScenario} trials per fault, each visit confirmed by \`WAIT 1\` and checked by its id at the end, the same durability config as the table above; two clients that know only the VIP, side by side: ioredis without Sentinel and plain redis-cli (one connection per visit).`,
        "",
        "| fault | trials | failovers | failover time | VIP on the other frontend after | longest write gap, ioredis | longest write gap, redis-cli | confirmed (ioredis / redis-cli) | confirmed and lost (ioredis / redis-cli) | writes that reached a replica (READONLY at the clients; on the nodes) |",
        "|---|---|---|---|---|---|---|---|---|---|",
        ...rows,
        FRONT_END,
    ].join("\n");
}

const MIGRATION_BEGIN = "<!-- migration:begin -->";
const MIGRATION_END = "<!-- migration:end -->";

export function migrationTable(bench: MigrationBenchmark): string {
    const rows = bench.directions.map(
        (r) =>
            `| ${r.fromServer} → ${r.toServer} (${r.direction}) | ${r.trials}${r.failedTrials?.length ? ` (${r.failedTrials.length} did not finish)` : ""} | ${r.failovers} | ${range(r.stepSeconds)} | ${range(r.writeGapSeconds)} | ${r.confirmed} | ${r.unconfirmed + r.errors} | ${r.lost} (worst trial ${r.worstTrialLost}) | ${dateAndCommit(r.measuredOn ?? bench.date.slice(0, 10), r.commit)} |`,
    );
    return [
        MIGRATION_BEGIN,
        `Measured by \`bash bench/run.sh migration\` (${bench.machine}): each trial deploys the cluster on the old server, then sets \`server\` to the other and runs \`pulumi up\` while the visit counter writes, each visit confirmed by \`WAIT 1\` and checked by its id at the end; the same durability config as the table above.`,
        "",
        "| move | trials | mastership handed over | the `pulumi up` took (min / median / max) | longest write gap (min / median / max) | visits confirmed | not confirmed (error, no reply, WAIT short) | confirmed and lost | measured on |",
        "|---|---|---|---|---|---|---|---|---|",
        ...rows,
        MIGRATION_END,
    ].join("\n");
}

/** Replaces the README's section between `begin` and `end` with `table`. */
function replaceSection(readme: string, begin: string, end: string, table: string): string {
    const start = readme.indexOf(begin);
    const stop = readme.indexOf(end);
    if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} ... ${end} section`);
    return readme.slice(0, start) + table + readme.slice(stop + end.length);
}

function main(): void {
    const bench = JSON.parse(fs.readFileSync(RESULTS_FILE, "utf8")) as FaultBenchmark;
    let readme = replaceSection(fs.readFileSync(README, "utf8"), BEGIN, END, reliabilityTable(bench));
    console.log(reliabilityTable(bench));
    if (fs.existsSync(DEPLOY_RESULTS_FILE)) {
        const deploy = JSON.parse(fs.readFileSync(DEPLOY_RESULTS_FILE, "utf8")) as DeployBenchmark;
        readme = replaceSection(readme, PERF_BEGIN, PERF_END, performanceTable(deploy));
        console.log(performanceTable(deploy));
    }
    if (fs.existsSync(FRONTEND_RESULTS_FILE)) {
        const front = JSON.parse(fs.readFileSync(FRONTEND_RESULTS_FILE, "utf8")) as FrontendBenchmark;
        readme = replaceSection(readme, FRONT_BEGIN, FRONT_END, frontendTable(front));
        console.log(frontendTable(front));
    }
    if (fs.existsSync(MIGRATION_RESULTS_FILE)) {
        const migration = JSON.parse(fs.readFileSync(MIGRATION_RESULTS_FILE, "utf8")) as MigrationBenchmark;
        readme = replaceSection(readme, MIGRATION_BEGIN, MIGRATION_END, migrationTable(migration));
        console.log(migrationTable(migration));
    }
    fs.writeFileSync(README, readme);
}

if (require.main === module) main();

/** "3 trials" when every row ran as many (after partial runs, the file's own trialsPerScenario may be another run's), else "the trials listed". */
function trialsText(trials: number[]): string {
    const counts = [...new Set(trials)];
    return counts.length === 1 ? `${counts[0] ?? 0} trials` : "the trials listed";
}
