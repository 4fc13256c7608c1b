/**
 * The CLI runs the compiled program (`bin/index.js`, Pulumi.yaml's `main`): no TypeScript compiler
 * and no type-check at each `pulumi preview/up` (ts-node spent about 6 s of every run on that). The
 * price is a build step, so a build older than its sources is refused instead of quietly running old code.
 */
import * as fs from "fs";
import * as path from "path";

/** The TypeScript sources the compiled program is built from, relative to the project root. */
export const PROGRAM_SOURCES = ["index.ts", "components", "stack"];

/** The sources (of `PROGRAM_SOURCES` under `root`) changed after `built` (a file's mtime in ms). */
export function sourcesNewerThan(root: string, built: number): string[] {
    const newer: string[] = [];
    const visit = (rel: string) => {
        const full = path.join(root, rel);
        const stat = fs.statSync(full, { throwIfNoEntry: false });
        if (!stat) return;
        if (stat.isDirectory()) {
            for (const entry of fs.readdirSync(full)) visit(path.join(rel, entry));
        } else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts") && stat.mtimeMs > built) {
            newer.push(rel);
        }
    };
    for (const source of PROGRAM_SOURCES) visit(source);
    return newer.sort();
}

/**
 * Called by the compiled entry (`entry`: its `__filename`): fails with the fix when a source is newer
 * than the build. From source (ts-node, tsx: the Automation API scripts and tests) there is nothing to check.
 */
export function assertBuildCurrent(entry: string, fail: (message: string) => Error): void {
    if (!entry.endsWith(".js")) return;
    const root = path.dirname(path.dirname(entry));
    const stale = sourcesNewerThan(root, fs.statSync(entry).mtimeMs);
    if (stale.length > 0) {
        const shown = stale.slice(0, 3).join(", ") + (stale.length > 3 ? ` and ${stale.length - 3} more` : "");
        throw fail(`redis-ha: the compiled program (bin/) is older than ${shown}. Fix: run \`npm run build\` in ${root}, then run pulumi again`);
    }
}

/**
 * Called by the compiled entry, first: Pulumi's program runner installs source-map-support, and the
 * SDK formats a full stack trace for every resource it registers (its source position) and every
 * promise it tracks. The compiled program has no source maps, so that mapping finds nothing and
 * costs about 7 ms a resource (6 s of a 100-host preview); V8's own formatting gives the same text.
 */
export function skipSourceMapLookups(entry: string): void {
    if (entry.endsWith(".js")) Error.prepareStackTrace = undefined;
}
