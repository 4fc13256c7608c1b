#!/usr/bin/env node
/**
 * redis-ha's operator commands, for a cluster deployed with `pulumi up -s <stack>` (like patronictl
 * for Patroni). They read the stack's config the way the stack program does (same backend,
 * passphrase and SSH key) and reach the hosts over SSH with the same host key checks.
 *
 *   redis-ha status -s <stack> [--json] [--cwd <project dir>]
 *   redis-ha switchover -s <stack> [--to <host>] [--cwd <project dir>]
 *
 * `status` exits 0 when the cluster is healthy, 3 when it is not. Errors print the message alone.
 */
import * as fs from "fs";
import * as path from "path";
import { RedisHaConfigError } from "../components/config/validate";
import { packageRoot } from "../components/packageRoot";
import { formatStatus, clusterStatus } from "./status";
import { SwitchoverRefused, switchover } from "./switchover";
import { loadStackCluster } from "./stackCluster";

const USAGE = "usage: redis-ha status -s <stack> [--json] [--cwd <dir>] | redis-ha switchover -s <stack> [--to <host>] [--cwd <dir>]";

class UsageError extends Error {}

interface Options {
    command: "status" | "switchover";
    stack: string;
    cwd: string;
    json: boolean;
    to?: string;
}

export function parseArgs(argv: string[]): Options {
    const [command, ...rest] = argv;
    if (command !== "status" && command !== "switchover") throw new UsageError(USAGE);
    const opts: Options = { command, stack: process.env.PULUMI_STACK ?? "", cwd: process.cwd(), json: false };
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i] ?? "";
        const value = () => {
            const v = rest[++i];
            if (v === undefined || v.startsWith("-")) throw new UsageError(`${arg} needs a value. ${USAGE}`);
            return v;
        };
        if (arg === "-s" || arg === "--stack") opts.stack = value();
        else if (arg === "--cwd") opts.cwd = value();
        else if (arg === "--json" && command === "status") opts.json = true;
        else if (arg === "--to" && command === "switchover") opts.to = value();
        else throw new UsageError(`unknown option ${arg}. ${USAGE}`);
    }
    if (opts.stack === "") throw new UsageError(`name the stack with -s <stack>. ${USAGE}`);
    return opts;
}

/** Whether `command` is an executable file in one of `searchPath`'s directories. */
function onPath(command: string, searchPath: string | undefined): boolean {
    return (searchPath ?? "").split(path.delimiter).some((dir) => {
        try {
            fs.accessSync(path.join(dir || ".", command), fs.constants.X_OK);
            return true;
        } catch {
            return false;
        }
    });
}

/**
 * The operator commands read the stack through the `pulumi` CLI. In a shell where it is not on PATH
 * (a fresh shell on a machine where scripts/toolchain.sh put the CLI in its cache), they use the one
 * the toolchain linked into this checkout's .redis-ha/bin; an installed package has none and uses PATH.
 */
export function withProjectToolchain(env: NodeJS.ProcessEnv, root: string): void {
    const bin = path.join(root, ".redis-ha", "bin");
    if (onPath("pulumi", env.PATH) || !onPath("pulumi", bin)) return;
    env.PATH = [bin, env.PATH].filter(Boolean).join(path.delimiter);
    env.PULUMI_SKIP_UPDATE_CHECK ??= "true";
}

/** Said instead of `spawn pulumi ENOENT`. */
const NO_CLI = "the `pulumi` CLI is not on PATH: install it (https://www.pulumi.com/docs/install/), or in a redis-ha checkout run `bash scripts/toolchain.sh`, which links one into .redis-ha/bin";

async function main(argv: string[]): Promise<number> {
    const opts = parseArgs(argv);
    withProjectToolchain(process.env, packageRoot());
    const cluster = await loadStackCluster(opts.stack, opts.cwd);
    if (opts.command === "status") {
        const status = await clusterStatus(cluster);
        console.log(opts.json ? JSON.stringify(status, null, 2) : formatStatus(status));
        return status.healthy ? 0 : 3;
    }
    const result = await switchover(cluster, opts.to);
    if ("unchanged" in result) {
        console.log(`${result.to} is already the master of ${cluster.spec.masterName}; nothing changed`);
        return 0;
    }
    for (const line of result.log) console.log(line);
    console.log(`mastership of ${cluster.spec.masterName} moved from ${result.from} to ${result.to}`);
    console.log(formatStatus(result.after));
    return result.after.healthy ? 0 : 3;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            // The message alone: a config problem list, a refusal, or which host failed and how.
            const known = err instanceof UsageError || err instanceof SwitchoverRefused || err instanceof RedisHaConfigError;
            const missingCli = err instanceof Error && (err as NodeJS.ErrnoException).code === "ENOENT" && /\bpulumi\b/.test(`${(err as NodeJS.ErrnoException).path ?? ""} ${err.message}`);
            const message = missingCli ? NO_CLI : err instanceof Error ? err.message : String(err);
            console.error(known ? message : `redis-ha: ${message}`);
            process.exit(err instanceof UsageError ? 2 : 1);
        },
    );
}
