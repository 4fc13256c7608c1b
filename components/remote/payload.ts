/**
 * Builds the bash programs that run on the hosts. Pure: inputs in, script text out.
 *
 * A step's program is sent on the SSH session's stdin, never on the command line, because it carries
 * the password (argv is visible to every user in `ps`). It is wrapped in one function so that bash
 * has read all of it before anything runs: nothing inside can swallow the rest of the script from
 * stdin, and a cut-off transfer runs nothing.
 */
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../packageRoot";
import { OwnerInputs, ProgramInputs, TlsKeyInput } from "./inputs";

const REMOTE_DIR = path.join(packageRoot(), "remote");

export type RemoteStep = "preflight" | "auth" | "apply-redis" | "apply-sentinel" | "apply-frontend" | "apply-exporter" | "health-gate" | OperatorProgram;

/** Programs the operator commands (`redis-ha status`, `switchover`) run, with the password like a step. */
export type OperatorProgram = "status" | "switchover";

/** Programs that run from state alone (no stdin, no secret): removal on delete, drift check on refresh. */
export type StandaloneStep = "remove" | "remove-units" | "check";

/** RH_* variables as the payload writes them; each program's own set is typed in ./inputs. Undefined ones are left out. */
export type RemoteVars = Record<string, string | number | undefined>;

/**
 * A remote program's text as it travels: without its comment lines and blank lines (a third of
 * lib.sh). Every step carries it in its stdin, and removals and drift checks in their command
 * lines, into state, the engine's RPCs and the hosts' `ps`, so its size is paid per resource. The
 * remote programs have no heredocs and no multi-line string whose lines start with `#` (awk's
 * comments in CONF_AWK are comments there too); tests/unit/payload.spec.ts checks both.
 */
export function compactProgram(text: string): string {
    return text
        .split("\n")
        .filter((line) => !/^\s*(#|$)/.test(line))
        .join("\n");
}

function readRemote(file: string): string {
    return compactProgram(fs.readFileSync(path.join(REMOTE_DIR, file), "utf8"));
}

/** Quotes a value for bash so that it is taken literally, whatever it contains. */
export function shellQuote(value: string | number): string {
    return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/** Base64 of a file's content, so any byte survives the trip through the shell. */
export function encodeFile(content: string): string {
    return Buffer.from(content, "utf8").toString("base64");
}

function assignments(vars: RemoteVars): string {
    return Object.entries(vars)
        .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
        .map(([name, value]) => {
            if (!/^RH_[A-Z0-9_]+$/.test(name)) {
                throw new Error(`internal: remote variable ${name} must match RH_[A-Z0-9_]+`);
            }
            return `${name}=${shellQuote(value)}`;
        })
        .join("\n");
}

/**
 * The program for `step`, to be fed to `bash -s` on stdin. `password`, when given, is exported as
 * REDISCLI_AUTH so redis-cli authenticates without it ever reaching a command line.
 */
export function stepProgram<S extends RemoteStep>(step: S, vars: ProgramInputs[S] & TlsKeyInput & OwnerInputs, password?: string): string {
    const auth = password === undefined ? "" : `export REDISCLI_AUTH=${shellQuote(password)}\n`;
    return [
        "__redis_ha_step() {",
        "set -euo pipefail",
        "umask 077",
        assignments(vars),
        auth + readRemote("lib.sh"),
        ...(STEP_LIBRARIES[step] ?? []).map(readRemote),
        readRemote(`${step}.sh`),
        "}",
        "__redis_ha_step </dev/null",
        "",
    ].join("\n");
}

/**
 * Helpers some steps share beyond lib.sh, inlined into those steps only: the frontend's and the
 * exporters' (daemon-lib.sh), so that changing them reruns no data node or sentinel step.
 */
const STEP_LIBRARIES: Partial<Record<RemoteStep, string[]>> = { "apply-frontend": ["daemon-lib.sh"], "apply-exporter": ["daemon-lib.sh"] };

/** The command that runs a step program received on stdin. */
export const STEP_COMMAND = "exec /bin/bash -s";

/**
 * A self-contained command (no stdin, no secret) for a resource's delete or refresh: the provider runs
 * it from state alone, so everything it needs is in the text. It must never carry a secret: it is a
 * command line, visible in `ps` on the host.
 */
export function standaloneCommand<S extends StandaloneStep>(step: S, vars: ProgramInputs[S]): string {
    return ["set -u", assignments(vars), readRemote("lib.sh"), readRemote(`${step}.sh`)].join("\n");
}
