import { execFileSync } from "child_process";
import * as path from "path";

/**
 * The commit a benchmark measured (`git describe --always`, `-dirty` when code differs from it: a
 * figure from uncommitted code says so), written into every result so that a row can be traced to
 * the code it timed.
 */
export function measuredCommit(): string {
    const cwd = path.join(__dirname, "..");
    const commit = execFileSync("git", ["describe", "--always"], { cwd, encoding: "utf8" }).trim();
    // The benchmarks' own outputs (results, the README tables they rewrite) are not the code measured:
    // a second partial run after a first is still a run of the same commit.
    const changed = execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results", ":!README.md"], { cwd, encoding: "utf8" }).trim();
    return changed ? `${commit}-dirty` : commit;
}

/** What the README says of a result written before commits were recorded. */
export const COMMIT_NOT_RECORDED = "commit not recorded";
