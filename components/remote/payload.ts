/**
 * Builds the bash programs that run on the hosts. Pure: inputs in, script text out.
 *
 * A step's program is sent on the SSH session's stdin, never on the command line, because it carries
 * the password (argv is visible to every user in `ps`). It is wrapped in one function so that bash
 * has read all of it before anything runs: nothing inside can swallow the rest of the script from
 * stdin, and a cut-off transfer runs nothing.
 *
 * The remote programs themselves (remote/*.sh) are installed once per host and revision, each file
 * under its SHA-256 (`installVars`, remote/install.sh): a step, a removal or a drift check then
 * carries its RH_* inputs and the hashes of the files it runs (`installedProgram`,
 * `installedCommand`), checked on the host before they are sourced. So state and the engine carry a
 * program once per host instead of once per resource, and a removal written by an older release
 * still finds the files it names.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { packageRoot } from "../packageRoot";
import { OwnerInputs, ProgramInputs, ProgramsRemovalInputs, RemovalInputs, TlsKeyInput, UnitRemovalInputs } from "./inputs";

const REMOTE_DIR = path.join(packageRoot(), "remote");

export type RemoteStep = "preflight" | "install" | "apply-redis" | "apply-sentinel" | "apply-frontend" | "apply-exporter" | "health-gate" | OperatorProgram;

/** Programs the operator commands (`redis-ha status`, `switchover`) run, with the password like a step. */
export type OperatorProgram = "status" | "switchover";

/** Programs that run from state alone (no stdin, no secret): removal on delete, drift check on refresh. */
export type StandaloneStep = "remove" | "remove-units" | "remove-programs" | "check";

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

/** One remote program file as it is installed: its travelling text under its SHA-256. */
export interface ProgramFile {
    /** The file in remote/. */
    name: string;
    sha256: string;
    text: string;
}

const programFileCache = new Map<string, ProgramFile>();
function programFile(name: string): ProgramFile {
    let file = programFileCache.get(name);
    if (!file) {
        const text = readRemote(name);
        file = { name, sha256: crypto.createHash("sha256").update(text).digest("hex"), text };
        programFileCache.set(name, file);
    }
    return file;
}

/** The programs the install step puts on every host: every one a step, removal or check runs from there. */
const INSTALLED: readonly string[] = [
    "lib.sh",
    "daemon-lib.sh",
    ...(["apply-redis", "apply-sentinel", "apply-frontend", "apply-exporter", "auth", "health-gate", "remove", "remove-units", "check"] as const).map((s) => `${s}.sh`),
];

/** Every installed file, with its hash and text (what remote/install.sh receives). */
export function installedFiles(): ProgramFile[] {
    return INSTALLED.map(programFile);
}

/** The files `step` runs, in the order they are sourced: lib.sh, its libraries, its own. */
export function programFiles(step: RemoteStep | StandaloneStep): ProgramFile[] {
    return ["lib.sh", ...(STEP_FILES[step] ?? [`${step}.sh`])].map(programFile);
}

/** RH_PROGRAMS of the install step: the installed files' hashes (the program gets `sha256:base64` words, see `deferredProgram`). */
export function installedProgramsVar(): string {
    return installedFiles()
        .map((f) => f.sha256)
        .join(" ");
}

/**
 * Sources the installed files `files` from $RH_PROGRAMS_DIR, each checked against its hash first: a
 * file that is missing or changed on the host runs nothing and names the fix.
 */
function sourceInstalled(files: ProgramFile[]): string {
    return [
        `for __rh_sha in ${files.map((f) => f.sha256).join(" ")}; do`,
        '__rh_file="$RH_PROGRAMS_DIR/$__rh_sha.sh"',
        `${hashIs('"$__rh_file"', '"$__rh_sha"')} || { echo "[redis-ha $RH_HOST] $__rh_file is missing or changed: run pulumi up, whose install step puts it back" >&2; exit 1; }`,
        'source "$__rh_file"',
        "done",
    ].join("\n");
}

/**
 * The bash test that the file `file` (a shell word) has the SHA-256 `sha` (a shell word): false when
 * it is missing. Every file a step reads by hash is checked with it, before lib.sh is there to help.
 */
function hashIs(file: string, sha: string): string {
    return `[ "$(sha256sum ${file} 2>/dev/null | cut -d" " -f1)" = ${sha} ]`;
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
    return expandPrograms(deferredProgram(step, vars, password));
}

/**
 * The same program with each remote file named by its hash (`__redis_ha_program <sha256>` lines),
 * for ShellCommand's provider to put in at run time (`expandPrograms`): the steps that carry their
 * programs (the preflight, the install) then keep a few hashes in state, not the programs. A line
 * left unexpanded is a command bash does not know, so it fails the step (set -e) instead of
 * running without the file.
 */
export function deferredProgram<S extends RemoteStep>(step: S, vars: ProgramInputs[S] & TlsKeyInput & OwnerInputs, password?: string): string {
    const { RH_PROGRAMS: programs, ...rest } = vars as RemoteVars;
    // The install step also gets the files it stages (its `files` input, put in by ShellCommand's provider).
    const install = typeof programs === "string" ? [`${EXPAND_FILES} RH_PROGRAMS ${programs}`, `${EXPAND_STAGED} RH_STAGED`] : [];
    return wrapStep(rest, password, [...install, ...programFiles(step).map((f) => `${EXPAND_FILE} ${f.sha256}`)]);
}

/**
 * A step program: `vars` assigned, `password` exported as REDISCLI_AUTH (so redis-cli authenticates
 * without it on a command line), then `body`, all inside one function that runs only once bash has
 * read the whole of it.
 */
function wrapStep(vars: RemoteVars, password: string | undefined, body: string[]): string {
    const auth = password === undefined ? [] : [`export REDISCLI_AUTH=${shellQuote(password)}`];
    return ["__redis_ha_step() {", "set -euo pipefail", "umask 077", assignments(vars), ...auth, ...body, "}", "__redis_ha_step </dev/null", ""].join("\n");
}

/** `__redis_ha_program <sha256>`: that file's text. */
const EXPAND_FILE = "__redis_ha_program";
/** `__redis_ha_programs <VAR> <sha256>...`: VAR='sha256:base64 ...' (what remote/install.sh installs). */
const EXPAND_FILES = "__redis_ha_programs";
/** `__redis_ha_staged <VAR>`: VAR='sha256:base64 ...', one word per staged file (what remote/install.sh stages). */
const EXPAND_STAGED = "__redis_ha_staged";

/** Every remote file of this package, by the hash of its travelling text. */
function programsByHash(): Map<string, ProgramFile> {
    const all = fs.readdirSync(REMOTE_DIR).filter((f) => f.endsWith(".sh"));
    return new Map(all.map(programFile).map((f) => [f.sha256, f]));
}

/**
 * Puts the remote files a deferred program names in their place. Throws on a hash this package does
 * not have (a program built by another release of redis-ha than the one running it).
 */
export function expandPrograms(program: string, staged: Record<string, string> = {}): string {
    if (!program.includes("__redis_ha_")) return program;
    const files = programsByHash();
    const file = (sha: string) => {
        const found = files.get(sha);
        if (!found) throw new Error(`redis-ha: no remote program with hash ${sha} in ${REMOTE_DIR}: the program was built by another release of redis-ha`);
        return found;
    };
    return program
        .split("\n")
        .map((line) => {
            const words = line.split(" ");
            if (words[0] === EXPAND_FILE && words.length === 2) return file(words[1] ?? "").text;
            if (words[0] === EXPAND_STAGED && words.length === 2) {
                const value = [...new Set(Object.values(staged))].map((text) => `${stagedSha(text)}:${encodeFile(text)}`);
                return `${words[1] ?? ""}=${shellQuote(value.join(" "))}`;
            }
            if (words[0] === EXPAND_FILES && words.length >= 2) {
                const value = words.slice(2).map((sha) => `${sha}:${encodeFile(file(sha).text)}`);
                return `${words[1] ?? ""}=${shellQuote(value.join(" "))}`;
            }
            return line;
        })
        .join("\n");
}

/**
 * The program a step sends on stdin when the programs are installed on the host (every step but the
 * preflight and the install itself): its inputs, then the installed files it runs.
 */
export function installedProgram<S extends RemoteStep>(step: S, vars: ProgramInputs[S] & TlsKeyInput & OwnerInputs, password?: string): string {
    const files = programFiles(step);
    // Its plain inputs, staged by its host's programs step, come first: lib.sh reads some of them.
    const staged = STAGED_INPUTS in vars;
    if (!staged && !hasStagedVars(vars)) return wrapStep(vars, password, [sourceInstalled(files)]);
    // The files its host's programs step staged come in (lib.sh's load_staged), and it keeps its
    // removal's inputs (keep_removal, with its staged inputs), before its own program runs.
    const prepare = [...(hasStagedVars(vars) ? ["load_staged"] : []), ...(staged ? ["keep_removal"] : [])];
    return wrapStep(vars, password, [...(staged ? [SOURCE_STAGED_INPUTS] : []), sourceInstalled(files.slice(0, 1)), ...prepare, sourceInstalled(files.slice(1))]);
}

/** The input that names a step's staged plain inputs (see `stageInputs`). */
const STAGED_INPUTS = "RH_STAGED_INPUTS";

/** Sources a step's staged plain inputs, checked against their hash first. */
const SOURCE_STAGED_INPUTS = [
    `__rh_file="$RH_PROGRAMS_DIR/staged/$${STAGED_INPUTS}"`,
    `${hashIs('"$__rh_file"', `"$${STAGED_INPUTS}"`)} || { echo "[redis-ha $RH_HOST] $__rh_file is missing or changed: run pulumi up again, whose programs step stages it" >&2; exit 1; }`,
    'source "$__rh_file"',
].join("\n");

const hasStagedVars = (vars: object) => Object.keys(vars).some((name) => name.endsWith(STAGED_SUFFIX));

/**
 * The drift check of a host's steps, run by its preflight on refresh: each step's check (check.sh,
 * installed) in a subshell of its own, its lines prefixed with the step's key (`key: line`).
 *
 * First it looks for what the host must hold (`host`: files under its programs directory, each
 * named by its hash: programs, staged files, kept removals). When one is missing or changed (the
 * directory removed, a first `up` cut short), it checks nothing else and says so in one line with no
 * key, which counts for every key: the host's programs step and its steps run again at the next
 * `up`, instead of every refresh failing.
 */
export function installedChecks(checks: ReadonlyArray<{ key: string; check: ProgramInputs["check"] }>, host?: { dir: string; files: readonly string[] }): string {
    // The inputs every check has with the same value are assigned once, before the subshells.
    const [first, ...others] = checks.map((c) => c.check as RemoteVars);
    const shared: RemoteVars = Object.fromEntries(Object.entries(first ?? {}).filter(([name, value]) => others.every((o) => o[name] === value)));
    const own = (vars: RemoteVars): RemoteVars => Object.fromEntries(Object.entries(vars).filter(([name]) => !(name in shared)));
    const files = sourceInstalled(programFiles("check"));
    const present = host
        ? [
              `for __rh_file in ${host.files.join(" ")}; do`,
              '__rh_sha=${__rh_file##*/} && __rh_sha=${__rh_sha%.sh}',
              `${hashIs(`${shellQuote(host.dir)}/"$__rh_file"`, '"$__rh_sha"')} || { echo ${shellQuote(`${host.dir}/`)}"$__rh_file is missing or changed: the host's programs step and its steps run again"; exit 0; }`,
              "done",
          ]
        : [];
    // Each check runs as it always did (`set -u` only: check.sh reads what it can and reports the rest);
    // one that cannot run at all fails the whole check.
    return [
        "set -uo pipefail",
        assignments(shared),
        ...present,
        ...checks.map(({ key, check }) => `(\nset +o pipefail\n${assignments(own(check as RemoteVars))}\n${files}\n) | sed ${shellQuote(`s|^|${key}: |`)} || exit 1`),
    ].join("\n");
}

/** A standalone command (removal, drift check) that runs the installed programs: no secret, no program text. */
export function installedCommand<S extends StandaloneStep>(step: S, vars: ProgramInputs[S]): string {
    return ["set -u", assignments(vars), sourceInstalled(programFiles(step))].join("\n");
}

/**
 * The files a step runs after lib.sh, in order, where they are not just `<step>.sh`: the frontend's
 * and the exporters' helpers (daemon-lib.sh, inlined into those steps only, so that changing them
 * reruns no data node or sentinel step); the password rotation (auth.sh, by its RH_AUTH_PHASE) in
 * the steps that run before and after every node: `accept` after the install on the gate host,
 * `retire` before the health gate's check.
 */
const STEP_FILES: Partial<Record<RemoteStep | StandaloneStep, string[]>> = {
    "apply-frontend": ["daemon-lib.sh", "apply-frontend.sh"],
    "apply-exporter": ["daemon-lib.sh", "apply-exporter.sh"],
    install: ["install.sh", "auth.sh"],
    "health-gate": ["auth.sh", "health-gate.sh"],
};

/** The command that runs a step program received on stdin. */
export const STEP_COMMAND = "exec /bin/bash -s";

/**
 * A self-contained command (no stdin, no secret) for a resource's delete or refresh: the provider runs
 * it from state alone, so everything it needs is in the text. It must never carry a secret: it is a
 * command line, visible in `ps` on the host.
 */
export function standaloneCommand<S extends StandaloneStep>(step: S, vars: ProgramInputs[S]): string {
    const library = SELF_CONTAINED.includes(step) ? [] : [readRemote("lib.sh")];
    return ["set -u", assignments(vars), ...library, readRemote(`${step}.sh`)].join("\n");
}

/** Standalone programs that need nothing of lib.sh: the removal of the installed programs (it removes lib.sh too). */
const SELF_CONTAINED: readonly StandaloneStep[] = ["remove-programs"];

/**
 * A file a step writes, as the host's programs step stages it (remote/install.sh) and a reviewer
 * reads it in `pulumi preview --diff`: its text with every secret masked. The step then carries only
 * the file's hashes and its secret lines (`stageVars`), and puts the file together on the host.
 */
export interface StagedFile {
    /** The step input that carries the file's content (base64) to the step's program, e.g. RH_REDIS_CONF. */
    variable: string;
    /** Where the step writes it on the host. */
    path: string;
    /** Its text with every secret masked (the same number of lines as the file). */
    text: string;
}

/** What a staged file is stored under on the host: the SHA-256 of its masked text. */
export function stagedSha(text: string): string {
    return crypto.createHash("sha256").update(text, "utf8").digest("hex");
}

/** Suffix of the input that replaces a staged file's content: `<variable>_STAGED`. */
const STAGED_SUFFIX = "_STAGED";

/**
 * A step's inputs with each staged file's content replaced by `<variable>_STAGED`: the masked
 * text's hash, the real file's hash, and the lines that differ from the masked text (`n:base64`),
 * which carry the secrets. remote/lib.sh's load_staged puts the file back together and checks it
 * against the real file's hash. A file that is not in `vars` is left alone.
 */
export function stageVars<V extends object>(vars: V, staged: readonly StagedFile[]): V {
    const byVariable = new Map(staged.map((f) => [f.variable, f]));
    const out: Record<string, unknown> = {};
    for (const [name, content] of Object.entries(vars)) {
        const file = byVariable.get(name);
        if (!file || typeof content !== "string") {
            out[name] = content;
            continue;
        }
        const real = Buffer.from(content, "base64").toString("utf8");
        const realLines = real.split("\n");
        const maskedLines = file.text.split("\n");
        if (realLines.length !== maskedLines.length) throw new Error(`internal: the masked text of ${file.path} has ${maskedLines.length} lines, the file ${realLines.length}`);
        const secret = realLines.flatMap((line, i) => (line === maskedLines[i] ? [] : [`${i + 1}:${encodeFile(line)}`]));
        out[`${name}${STAGED_SUFFIX}`] = [stagedSha(file.text), stagedSha(real), ...secret].join(" ");
    }
    return out as unknown as V;
}

/** What a step needs before it reads its staged inputs: where they are, and its log prefix. */
const UNSTAGED_INPUTS: readonly string[] = ["RH_HOST", "RH_PROGRAMS_DIR"];

/** A step's plain inputs as its host's programs step stages them: a file of bash assignments, and their names. */
export interface StagedInputs extends StagedFile {
    names: string[];
}

/**
 * The plain inputs of a step, staged by its host's programs step: every input of `vars` but the
 * files staged on their own (`files`), the `secret` ones and those it needs first. `vars` are the
 * step's inputs for the stand-in password, so what depends on the password shows (stageInputs
 * refuses it): only what names no secret is staged.
 */
export function stagedInputs(path: string, vars: object, files: readonly StagedFile[], secret: readonly string[]): StagedInputs {
    const left = new Set([...files.map((f) => f.variable), ...secret, ...UNSTAGED_INPUTS]);
    const plain: RemoteVars = Object.fromEntries(Object.entries(vars as RemoteVars).filter(([name]) => !left.has(name)));
    return { variable: STAGED_INPUTS, path, text: `${assignments(plain)}\n`, names: Object.keys(plain) };
}

/**
 * A step's inputs with its plain ones (`staged`) replaced by the hash of their staged file, which the
 * step sources before anything else. Throws when they are not what was staged: an input that
 * depends on the password would be staged in the clear.
 */
export function stageInputs<V extends object>(vars: V, staged: StagedInputs | undefined): V {
    if (!staged) return vars;
    const names = new Set(staged.names);
    const entries = Object.entries(vars as RemoteVars);
    const text = `${assignments(Object.fromEntries(entries.filter(([name]) => names.has(name))))}\n`;
    if (text !== staged.text) throw new Error(`internal: the inputs staged at ${staged.path} are not the step's (an input depends on the password, or on what runs it)`);
    const rest = Object.fromEntries(entries.filter(([name]) => !names.has(name)));
    return { ...rest, [STAGED_INPUTS]: stagedSha(staged.text) } as unknown as V;
}

/** What a removal kept on the host needs inline: the host (log prefix), where the file is, and the step's owner token. */
const INLINE_REMOVAL_INPUTS: readonly string[] = ["RH_HOST", "RH_PROGRAMS_DIR", "RH_OWNER"];

/**
 * A removal whose inputs its step keeps on the host: `input` is them as the step carries them (its
 * RH_KEPT_REMOVAL: bash assignments; remote/lib.sh keep_removal writes them under their SHA-256, kept until
 * the cluster leaves the host, so a later revision's step never removes them); `command` runs the
 * removal from that file, carrying only the host, where the file is, the step's owner token and the
 * hashes (a command line, from state alone, on every executor).
 */
export function keptRemoval(vars: RemovalInputs | UnitRemovalInputs): { input: string; command: (owner: string) => string } {
    const step = removalProgram(vars);
    const entries = Object.entries(vars as RemoteVars);
    const text = `${assignments(Object.fromEntries(entries.filter(([name]) => !INLINE_REMOVAL_INPUTS.includes(name))))}\n`;
    const sha = stagedSha(text);
    const inline = Object.fromEntries(entries.filter(([name]) => INLINE_REMOVAL_INPUTS.includes(name)));
    const command = (owner: string) =>
        [
            "set -u",
            assignments({ ...inline, RH_OWNER: owner }),
            `__rh_file="$RH_PROGRAMS_DIR/removal/${sha}"`,
            `${hashIs('"$__rh_file"', sha)} || { echo "[redis-ha $RH_HOST] $__rh_file (what this removal removes) is missing or changed: pulumi up --refresh puts it back (the host\'s drift check finds it missing and the step runs again); only if the host was rebuilt and nothing of the cluster runs there, pulumi state delete the step" >&2; exit 1; }`,
            'source "$__rh_file"',
            sourceInstalled(programFiles(step)),
        ].join("\n");
    return { input: text, command };
}

/** Whether a removal is a node step's (a data node's, sentinel's, frontend's or exporter's), not the installed programs' own. */
export function isNodeRemoval(vars: RemovalInputs | UnitRemovalInputs | ProgramsRemovalInputs): vars is RemovalInputs | UnitRemovalInputs {
    return "RH_UNITS" in vars || "RH_KIND" in vars;
}

/** The program a removal runs: a data node's or sentinel's (remove.sh), or a frontend's or exporter's (remove-units.sh: units and files only). */
export function removalProgram(vars: RemovalInputs | UnitRemovalInputs): "remove" | "remove-units" {
    return "RH_UNITS" in vars ? "remove-units" : "remove";
}
