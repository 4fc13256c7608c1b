/**
 * The implementation of ShellCommand's dynamic provider (see shellCommand.ts): run a command over SSH
 * (ssh2) or locally, and the create/update/diff/read/delete of a command resource.
 *
 * Loaded by file from the installed package (its compiled `bin/components/exec/shellProvider.js`)
 * by the small provider that Pulumi serializes into every ShellCommand's state, so state carries a
 * reference to this code instead of a copy of it (about 140 KB a resource before).
 */
import { spawn } from "child_process";
import { createHash } from "crypto";
import { Client } from "ssh2";
import type * as pulumi from "@pulumi/pulumi";
import { expandPrograms } from "../remote/payload";

/** Where a ShellCommand runs: a host over SSH, or (without it) this machine. */
export interface SshTarget {
    /** Name of the host in error messages (defaults to its address). */
    name?: string;
    host: string;
    port: number;
    user: string;
    privateKey: string;
    /**
     * The host keys the host may present (`type base64`). The connection is refused, before
     * authentication and before anything is sent, when it presents another. Absent: not checked.
     */
    hostKeys?: string[];
    /** Seconds per connection attempt (default 10). */
    connectTimeout?: number;
    /** Connection attempts before the host counts as unreachable (default 3). */
    connectAttempts?: number;
}

export interface ShellInputs {
    connection?: SshTarget;
    create?: string;
    update?: string;
    delete?: string;
    stdin?: string;
    check?: string;
    /**
     * A check's repair marker, set by the provider's `check` (never by the program): the same value
     * until a refresh found drift, then a new one derived from it. Being an input, it is known in a
     * preview (a preview returns the inputs as the state), so what depends on it never shows
     * `[unknown]`: unchanged when nothing drifted, a new known value when something did.
     */
    repairs?: string | Record<string, string>;
    /**
     * With these, `check` prints drift as `<key>: <line>` and `repairs` has a marker per key, each
     * changing only with its own drift (a host's preflight checks each of the host's steps; a line
     * with no key counts for every key).
     */
    repairKeys?: string[];
    /** The drift the last refresh found (an input so that `check` sees it; see `repairs`). */
    drift?: string;
    /**
     * Files the program on stdin stages on the host (by path, secrets masked; payload.ts StagedFile),
     * put into it where it names them. An input so that `pulumi preview --diff` shows each file's
     * changed lines; kept in state once, as inputs (the outputs keep its SHA-256).
     */
    files?: Record<string, string>;
}

/**
 * What a ShellCommand keeps: its inputs except `stdin`, which is kept only as its SHA-256 (enough to
 * see that the program changed). Outputs are sent back to the program, and the Node SDK writes that
 * reply into the engine's debug events, where Pulumi masks only the stack's config secrets as typed:
 * a program carries secrets in other forms too (base64 files, derived passwords, TLS keys).
 */
export interface ShellOutputs extends Omit<ShellInputs, "stdin" | "files"> {
    stdinSha256?: string;
    /** SHA-256 of the `files` input (see ShellInputs.files). */
    filesSha256?: string;
    /** Only in state written before stdinSha256 existed. */
    stdin?: string;
    stdout: string;
    stderr: string;
    /** New at every run of `create` / `update`. */
    runId?: string;
}


export interface RunResult {
    stdout: string;
    stderr: string;
}

/**
 * Runs `command` where `target` says; rejects with an error naming the host on failure. 
 * The operator commands (`redis-ha status`, `switchover`) reach hosts with it too.
 */
export async function runShell(target: SshTarget | undefined, command: string, stdin: string | undefined): Promise<RunResult> {
    const tail = (s: string) => s.trim().split("\n").slice(-15).join("\n");
    if (!target) {
        return new Promise<RunResult>((resolve, reject) => {
            const child = spawn("/bin/bash", ["-c", command], { stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            child.on("error", reject);
            child.on("close", (code: number | null) =>
                code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`local command exited with ${code}:\n${tail(`${stdout}\n${stderr}`)}`)),
            );
            // A command that exits without reading its stdin closes the pipe first (EPIPE): its exit code is what counts.
            child.stdin.on("error", () => undefined);
            child.stdin.end(stdin ?? "");
        });
    }
    const where = target.name ? `${target.name} (${target.user}@${target.host}:${target.port})` : `${target.user}@${target.host}:${target.port}`;
    const fp = (raw: Buffer) => `SHA256:${createHash("sha256").update(raw).digest("base64").replace(/=+$/, "")}`;
    const typeOf = (raw: Buffer) => (raw.length > 4 ? raw.subarray(4, 4 + raw.readUInt32BE(0)).toString("latin1") : "?");
    // The trusted keys, each `type base64` line parsed once.
    const trusted = target.hostKeys?.map((line) => {
        const [type = "", blob = ""] = line.split(" ");
        return { type, raw: Buffer.from(blob, "base64") };
    });
    // Offer only the algorithms of the trusted keys, so the host presents one of those (an RSA key signs with rsa-sha2-*).
    const serverHostKey = trusted ? [...new Set(trusted.flatMap((k) => (k.type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [k.type])))] : undefined;
    const attempt = () =>
        new Promise<RunResult>((resolve, reject) => {
            const conn = new Client();
            let settled = false;
            let presented: Buffer | undefined;
            const finish = (err: Error | undefined, result?: RunResult) => {
                if (settled) return;
                settled = true;
                conn.end();
                if (err) reject(err);
                else resolve(result as RunResult);
            };
            conn.on("error", (err: Error) => {
                const got = presented;
                if (trusted && got && !trusted.some((k) => k.raw.equals(got))) {
                    const expected = trusted.map((k) => `${k.type} ${fp(k.raw)}`).join(", ");
                    finish(
                        new Error(
                            `host key of ${where} does not match: it presented ${typeOf(got)} ${fp(got)}, the trusted key is ${expected}. ` +
                                "Nothing was sent to it. If the host was rebuilt, check its new key on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and update hosts[].hostKey or known_hosts",
                        ),
                    );
                    return;
                }
                // Key-type negotiation failed ("no matching host key format"): not a network problem, not retried.
                if (trusted && !got && /no matching/i.test(err.message)) {
                    finish(new Error(`host ${where} offers none of the trusted host key types (${trusted.map((k) => k.type).join(", ")}): ${err.message}. Nothing was sent to it`));
                    return;
                }
                finish(Object.assign(new Error(`cannot reach host ${where} over SSH: ${err.message}`), { dial: true }));
            });
            conn.on("ready", () => {
                conn.exec(command, (err, stream) => {
                    if (err) {
                        finish(new Error(`ssh ${where}: ${err.message}`));
                        return;
                    }
                    let stdout = "";
                    let stderr = "";
                    stream.on("data", (d: Buffer) => (stdout += d.toString()));
                    stream.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
                    stream.on("close", (code: number | null) =>
                        code === 0
                            ? finish(undefined, { stdout, stderr })
                            : finish(new Error(`command on host ${where} exited with ${code}:\n${tail(`${stdout}\n${stderr}`)}`)),
                    );
                    stream.end(stdin ?? "");
                });
            });
            conn.connect({
                host: target.host,
                port: target.port,
                username: target.user,
                privateKey: target.privateKey,
                readyTimeout: (target.connectTimeout ?? 10) * 1000,
                keepaliveInterval: 5000,
                ...(serverHostKey ? { algorithms: { serverHostKey: serverHostKey as never } } : {}),
                // Runs before authentication: a host that is not who it claims gets neither the key's signature nor a program.
                hostVerifier: (key: Buffer) => {
                    presented = key;
                    return !trusted || trusted.some((k) => k.raw.equals(key));
                },
            });
        });
    const attempts = target.connectAttempts ?? 3;
    for (let i = 1; ; i++) {
        try {
            return await attempt();
        } catch (err) {
            if (!(err as { dial?: boolean }).dial || i >= attempts) {
                if ((err as { dial?: boolean }).dial) (err as Error).message += ` (${attempts} attempts of ${target.connectTimeout ?? 10}s)`;
                throw err;
            }
            await new Promise((r) => setTimeout(r, 1000));
        }
    }
}

/** A resource id, and a run's id: new each time. */
const uniqueId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** The inputs a diff compares as they are and a refresh hands back (stdin is compared by digest). */
const COMPARED_INPUTS = ["connection", "create", "update", "delete", "check", "repairs", "repairKeys"] as const;

/** The outputs of a run: the inputs with `stdin` replaced by its digest (see ShellOutputs). */
function shellOutputs(inputs: ShellInputs, out: RunResult): ShellOutputs {
    const { stdin, files, ...rest } = inputs;
    // No undefined values: outputs go through protobuf Structs, which reject them.
    // A new runId each time a command runs: what depends on "this ran" (a final check) keys on it.
    const runId = uniqueId();
    return {
        ...rest,
        ...(stdin === undefined ? {} : { stdinSha256: sha256(stdin) }),
        ...(files === undefined ? {} : { filesSha256: filesDigest(files) }),
        ...out,
        runId,
    };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The digest a ShellCommand keeps of its `files`, whatever order the engine hands their keys over in. */
const filesDigest = (files: Record<string, string>) => sha256(JSON.stringify(Object.keys(files).sort().map((path) => [path, files[path]])));

/** The inputs a resource's state holds (its outputs less what only a run produces), for a refresh that records drift in them. */
function inputsOf(props: ShellOutputs): ShellInputs {
    const inputs: ShellInputs = {};
    for (const key of COMPARED_INPUTS) {
        const value = props[key];
        if (value !== undefined) (inputs as Record<string, unknown>)[key] = value;
    }
    return inputs;
}

/** The next repair marker: a refresh's drift makes a new one, nothing else changes it. */
export function nextRepairs(previous: string | undefined, drift: string | undefined): string {
    if (!drift) return previous ?? "";
    return createHash("sha256").update(`${previous ?? ""}\n${drift}`).digest("hex").slice(0, 16);
}

/** The next repair markers by key (see ShellInputs.repairKeys): each from its own lines of the drift. */
export function nextKeyedRepairs(previous: ShellInputs["repairs"], drift: string | undefined, keys: string[]): Record<string, string> {
    const lines = (drift ?? "").split("\n").filter((line) => line.trim() !== "");
    const keyOf = (line: string) => keys.find((k) => line.startsWith(`${k}: `));
    const before = typeof previous === "object" ? previous : {};
    return Object.fromEntries(
        keys.map((key) => {
            const own = lines.filter((line) => (keyOf(line) ?? key) === key).join("\n");
            return [key, nextRepairs(before[key], own)];
        }),
    );
}

/** What a command gets on stdin: its `stdin` with the remote programs it names put in (deferredProgram). */
function stdinOf(inputs: ShellInputs): string | undefined {
    return inputs.stdin === undefined ? undefined : expandPrograms(inputs.stdin, inputs.files);
}

export const shellProvider: pulumi.dynamic.ResourceProvider = {
    // Only a check (a resource with `check`) carries a repair marker; the program never sets it, nor drift.
    check(olds: ShellInputs, news: ShellInputs): Promise<pulumi.dynamic.CheckResult> {
        const inputs: ShellInputs = { ...news };
        delete inputs.drift;
        delete inputs.repairs;
        if (news.check !== undefined) {
            inputs.repairs = news.repairKeys ? nextKeyedRepairs(olds.repairs, olds.drift, news.repairKeys) : nextRepairs(typeof olds.repairs === "string" ? olds.repairs : undefined, olds.drift);
        }
        return Promise.resolve({ inputs });
    },
    async create(inputs: ShellInputs): Promise<pulumi.dynamic.CreateResult> {
        const out = inputs.create === undefined ? { stdout: "", stderr: "" } : await runShell(inputs.connection, inputs.create, stdinOf(inputs));
        const id = uniqueId();
        return { id, outs: shellOutputs(inputs, out) };
    },
    diff(_id: string, olds: ShellOutputs, news: ShellInputs): Promise<pulumi.dynamic.DiffResult> {
        const digest = (s: string | undefined) => (s === undefined ? null : sha256(s));
        const changed =
            COMPARED_INPUTS.some((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null)) ||
            (olds.stdinSha256 ?? digest(olds.stdin)) !== digest(news.stdin) ||
            (olds.filesSha256 ?? null) !== (news.files === undefined ? null : filesDigest(news.files));
        // Drift found by the last refresh: run `update` again to put the target back.
        return Promise.resolve({ changes: changed || Boolean(olds.drift), replaces: [], deleteBeforeReplace: false });
    },
    async update(_id: string, _olds: ShellOutputs, news: ShellInputs): Promise<pulumi.dynamic.UpdateResult> {
        const run = news.update ?? news.create;
        const out = run === undefined ? { stdout: "", stderr: "" } : await runShell(news.connection, run, stdinOf(news));
        return { outs: shellOutputs(news, out) };
    },
    async read(id: string, props?: ShellOutputs): Promise<pulumi.dynamic.ReadResult> {
        if (!props?.check) return { id, props };
        // On stdin, not on the command line: a host's check is a few KB. Wrapped in a function that
        // bash reads whole before it runs, so that nothing in it reads the rest of the script as input.
        const { stdout } = await runShell(props.connection, "exec /bin/bash -s", `__redis_ha_check() {\n${props.check}\n}\n__redis_ha_check </dev/null\n`);
        // No `undefined` values: the result is sent as a protobuf Struct, which rejects them.
        const rest: ShellOutputs = { ...props };
        delete rest.drift;
        const drift = stdout.trim();
        // Drift goes into the inputs too, where the next `check` turns it into a new repair marker; the
        // inputs are handed back only when drift is found or was recorded (they come from the outputs,
        // which keep no stdin), else the engine keeps them as they are.
        const inputs = inputsOf(props);
        if (drift) return { id, props: { ...rest, drift }, inputs: { ...inputs, drift } };
        return props.drift ? { id, props: rest, inputs } : { id, props: rest };
    },
    async delete(_id: string, olds: ShellOutputs): Promise<void> {
        if (olds.delete) await runShell(olds.connection, olds.delete, undefined);
    },
};
