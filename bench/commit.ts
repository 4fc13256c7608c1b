import { execFileSync } from "child_process";
import * as path from "path";

/**
 * The commit a benchmark measured (`git describe --always --dirty`: a figure from uncommitted code
 * says so), written into every result so that a row can be traced to the code it timed.
 */
export function measuredCommit(): string {
    return execFileSync("git", ["describe", "--always", "--dirty"], { cwd: path.join(__dirname, ".."), encoding: "utf8" }).trim();
}

/** What the README says of a result written before commits were recorded. */
export const COMMIT_NOT_RECORDED = "commit not recorded";
