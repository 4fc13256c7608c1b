/**
 * Migration benchmark: a live cluster moved to the other server (`server: redis` <-> `valkey`, the
 * SERVER_SWITCH of tests/e2e/faultScenarios.ts) by pulumi up, with the visit counter writing through
 * Sentinel (each visit confirmed by one replica with WAIT, every confirmed id checked at the end).
 * Each trial deploys the cluster anew on the old server first: on Debian's packages a cluster moves
 * one way per image (the way back needs an RDB format the old server cannot read, and is refused).
 * One lab per direction, one after the other. Writes bench/results/migration.json, from which
 * bench/readmeTable.ts writes the README's table.
 *
 *   bash bench/run.sh migration                          # 5 trials per direction
 *   BENCH_TRIALS=10 BENCH_MIGRATIONS=bookworm bash bench/run.sh migration
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { measuredCommit } from "./commit";
import { ScenarioSummary, summarize } from "./faults";
import { createTestLab, onHost } from "../tests/e2e/labHarness";
import { DURABILITY_CONFIG, FaultResult, SERVER_SWITCH, resetDeployedConfig, runFault } from "../tests/e2e/faultScenarios";

/** A direction Debian's packages allow, on the image that has both servers. */
interface Direction {
    id: string;
    imageVar: "LAB_IMAGE" | "LAB_IMAGE_TRIXIE";
    from: "redis" | "valkey";
    to: "redis" | "valkey";
    lab: string;
    subnet: string;
}

const DIRECTIONS: Direction[] = [
    { id: "bookworm", imageVar: "LAB_IMAGE", from: "redis", to: "valkey", lab: "rhbmigb", subnet: "10.177.74" },
    { id: "trixie", imageVar: "LAB_IMAGE_TRIXIE", from: "valkey", to: "redis", lab: "rhbmigt", subnet: "10.177.75" },
];

export interface MigrationResult extends ScenarioSummary {
    /** The direction's name (BENCH_MIGRATIONS) and what the hosts ran, as `--version` says. */
    direction: string;
    fromServer: string;
    toServer: string;
}

export interface MigrationBenchmark {
    date: string;
    commit: string;
    machine: string;
    durability: typeof DURABILITY_CONFIG;
    directions: MigrationResult[];
    runs: Array<FaultResult & { direction: string; trial: number }>;
}

export const MIGRATION_RESULTS_FILE = path.join(__dirname, "results", "migration.json");

/** `<server> <version>` of `binary` on a lab host. */
function versionOn(container: string, binary: string): string {
    const out = onHost(container, `${binary} --version`);
    return `${binary.replace(/-server$/, "")} ${/ v=(\S+)/.exec(out)?.[1] ?? "?"}`;
}

/** Why a trial failed, in a line: the remote programs' ERROR lines when the engine's output has them. */
function failure(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    const errors = [...new Set(text.split("\n").filter((l) => /ERROR|error:/.test(l)).map((l) => l.trim()))];
    return (errors.length ? errors.slice(0, 3).join(" | ") : text).slice(0, 600);
}

async function runDirection(d: Direction, trials: number, out: MigrationBenchmark): Promise<void> {
    const image = process.env[d.imageVar];
    if (!image) throw new Error(`${d.imageVar} is not set: run through bench/run.sh, which builds the lab images`);
    const config = { ...DURABILITY_CONFIG, "redis-ha:server": d.from };
    const lab = await createTestLab(d.lab, d.subnet, 3, { image, clusterConfig: config });
    try {
        const host = lab.hosts[0]!.container;
        const mine: FaultResult[] = [];
        const failed: string[] = [];
        for (let trial = 1; trial <= trials; trial++) {
            try {
                // A fresh cluster on the old server (the last trial's, moved over, destroyed first).
                resetDeployedConfig(lab);
                await (await lab.cluster({ config })).up();
                const result = await runFault(lab, SERVER_SWITCH, { waitReplicas: 1, key: `bench:migration:${d.id}:${trial}` });
                mine.push(result);
                out.runs.push({ ...result, direction: d.id, trial });
                process.stderr.write(`[bench] migration ${d.id} trial ${trial}/${trials}: ${JSON.stringify(result)}\n`);
            } catch (err) {
                failed.push(`trial ${trial}: ${failure(err)}`);
                process.stderr.write(`[bench] migration ${d.id} trial ${trial}/${trials} FAILED: ${failed[failed.length - 1]}\n`);
            } finally {
                await (await lab.cluster({ config: { ...config, "redis-ha:server": d.to } })).destroy();
            }
        }
        out.directions.push({
            ...summarize(SERVER_SWITCH, 1, mine),
            failedTrials: failed,
            measuredOn: new Date().toISOString().slice(0, 10),
            commit: measuredCommit(),
            direction: d.id,
            fromServer: versionOn(host, `${d.from}-server`),
            toServer: versionOn(host, `${d.to}-server`),
        });
    } finally {
        await lab.destroy();
    }
}

async function main(): Promise<void> {
    const trials = Number(process.env.BENCH_TRIALS ?? 5);
    const names = process.env.BENCH_MIGRATIONS?.split(",").filter(Boolean) ?? DIRECTIONS.map((d) => d.id);
    const unknown = names.filter((n) => !DIRECTIONS.some((d) => d.id === n));
    if (unknown.length) throw new Error(`BENCH_MIGRATIONS: no direction ${unknown.join(", ")}; there are ${DIRECTIONS.map((d) => d.id).join(", ")}`);
    const report: MigrationBenchmark = {
        date: new Date().toISOString(),
        commit: measuredCommit(),
        machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
        durability: DURABILITY_CONFIG,
        directions: [],
        runs: [],
    };
    for (const d of DIRECTIONS.filter((x) => names.includes(x.id))) await runDirection(d, trials, report);
    // A run of some directions keeps the others' results.
    const earlier = fs.existsSync(MIGRATION_RESULTS_FILE) ? (JSON.parse(fs.readFileSync(MIGRATION_RESULTS_FILE, "utf8")) as MigrationBenchmark) : undefined;
    const now = new Set(report.directions.map((d) => d.direction));
    const merged: MigrationBenchmark = {
        ...report,
        directions: [...(earlier?.directions.filter((d) => !now.has(d.direction)) ?? []), ...report.directions].sort((a, b) => a.direction.localeCompare(b.direction)),
        runs: [...(earlier?.runs.filter((r) => !now.has(r.direction)) ?? []), ...report.runs],
    };
    fs.mkdirSync(path.dirname(MIGRATION_RESULTS_FILE), { recursive: true });
    fs.writeFileSync(MIGRATION_RESULTS_FILE, `${JSON.stringify(merged, null, 2)}\n`);
    console.log(JSON.stringify(report.directions));
}

if (require.main === module) {
    main().catch((err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
