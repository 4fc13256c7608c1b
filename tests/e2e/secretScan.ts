/**
 * Detectors for the secrets tests: where a secret could show up (plaintext, or base64 inside a larger
 * blob), a sampler of process argument lists, and a capture of everything the engine reports.
 */
import * as fs from "fs";
import { ChildProcess, execFileSync, spawn } from "child_process";
import { EngineEvent } from "@pulumi/pulumi/automation";

/**
 * How a secret could show up: as is, and base64-encoded at each of the three byte alignments (a
 * secret inside a larger base64 blob, such as a rendered config file), cut to the characters that
 * depend on the secret's bytes only.
 */
export function secretNeedles(secret: string): string[] {
    const bytes = Buffer.from(secret, "utf8");
    const needles = new Set<string>([secret]);
    for (let pad = 0; pad < 3; pad++) {
        const encoded = Buffer.concat([Buffer.alloc(pad), bytes]).toString("base64");
        const inner = encoded.slice(Math.ceil((8 * pad) / 6), Math.floor((8 * (pad + bytes.length)) / 6));
        needles.add(inner);
        needles.add(inner.replace(/\+/g, "-").replace(/\//g, "_"));
    }
    return [...needles];
}

/** Finds `needles` in `text`; returns each hit as a short excerpt with the needle blanked out. */
export function findNeedles(text: string, needles: string[]): string[] {
    const hits: string[] = [];
    for (const needle of needles) {
        let at = text.indexOf(needle);
        while (at >= 0 && hits.length < 20) {
            const excerpt = text.slice(Math.max(0, at - 120), at + needle.length + 60).split(needle).join("<SECRET>");
            hits.push(excerpt.replace(/\0/g, " "));
            at = text.indexOf(needle, at + needle.length);
        }
    }
    return hits;
}

const SAMPLE_MARK = "\n@@rh-argv-sample@@\n";

/**
 * Samples every process's argument list (/proc/<pid>/cmdline) every 0.2 s, in one bounded loop that
 * runs where `command` runs it (a lab host through `docker exec`, or this machine), and scans the
 * stream for the secret as it arrives. The loop ends when its stop file appears, or after 20 min.
 */
export class ArgvSampler {
    readonly hits: string[] = [];
    readonly watched = new Map<string, number>();
    samples = 0;
    private carry = "";
    private readonly child: ChildProcess;
    private readonly exited: Promise<number | null>;
    private readonly keep: number;

    constructor(
        readonly where: string,
        command: string[],
        private readonly needles: string[],
        watch: string[],
        readonly stop: () => void,
    ) {
        for (const w of watch) this.watched.set(w, 0);
        this.keep = Math.max(SAMPLE_MARK.length, ...needles.map((n) => n.length), ...watch.map((w) => w.length));
        this.child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "ignore"] });
        this.child.stdout!.on("data", (chunk: Buffer) => this.scan(chunk.toString("latin1")));
        this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
    }

    /** The loop, for bash -c: `stopFile` ends it. */
    static loop(stopFile: string): string {
        return `rm -f ${stopFile}; for i in $(seq 6000); do [ -e ${stopFile} ] && break; cat /proc/[0-9]*/cmdline 2>/dev/null; printf '${SAMPLE_MARK.replace(/\n/g, "\\n")}'; sleep 0.2; done; rm -f ${stopFile}`;
    }

    private scan(chunk: string): void {
        const text = this.carry + chunk;
        // Only matches that end inside the new chunk are counted, so nothing is counted twice.
        const from = this.carry.length;
        const count = (needle: string) => {
            let n = 0;
            for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
                if (at + needle.length > from) n++;
            }
            return n;
        };
        this.samples += count(SAMPLE_MARK);
        for (const [w, n] of this.watched) this.watched.set(w, n + count(w));
        for (const needle of this.needles) {
            if (count(needle) > 0) this.hits.push(...findNeedles(text, [needle]));
        }
        this.carry = text.slice(-this.keep);
    }

    saw(what: string): boolean {
        return (this.watched.get(what) ?? 0) > 0;
    }

    /** Stops the loop and resolves once it has ended; true when it was still running (it covered everything up to now). */
    async finish(): Promise<boolean> {
        const runningBefore = this.child.exitCode === null;
        this.stop();
        const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15000));
        const result = await Promise.race([this.exited, timeout]);
        if (result === "timeout") this.child.kill();
        return runningBefore;
    }
}

/**
 * Everything the engine printed or reported, per operation. Debug diagnostics are kept apart: the
 * CLI shows them only with `--debug`, and in previews they carry the Node SDK's dump of every
 * resource's planned inputs (see README "Secrets").
 */
export class EngineCapture {
    private readonly parts: Array<{ op: string; debug: boolean; text: string }> = [];

    /** Handlers for one operation (`up`, `preview`, ...), to spread into its options. */
    handlers(op: string) {
        return {
            onOutput: (s: string) => this.parts.push({ op, debug: false, text: s }),
            onError: (s: string) => this.parts.push({ op, debug: false, text: s }),
            onEvent: (e: EngineEvent) => this.parts.push({ op, debug: (e.diagnosticEvent?.severity as string | undefined) === "debug", text: JSON.stringify(e) }),
        };
    }

    /** What was captured, filtered by operation and by whether it is a debug diagnostic. */
    text(filter: { debug?: boolean; ops?: string[] } = {}): string {
        return this.items(filter).join("\n");
    }

    /** The same, one captured output chunk or event each. */
    items(filter: { debug?: boolean; ops?: string[] } = {}): string[] {
        return this.parts
            .filter((p) => (filter.debug === undefined || p.debug === filter.debug) && (filter.ops === undefined || filter.ops.includes(p.op)))
            .map((p) => p.text);
    }
}

/**
 * Every execve under the given processes, as it happens: `strace -f -e trace=execve` attached from
 * this machine (the lab hosts' processes are this kernel's too), so a process that lives 5 ms is
 * seen as surely as one that lives minutes. Attached to each lab host's sshd, it sees every program
 * redis-ha's SSH sessions start; attached to this test process, the engine, its plugins and
 * everything they start.
 */
export class ExecTracer {
    private readonly child: ChildProcess;
    private readonly exited: Promise<number | null>;

    constructor(
        readonly where: string,
        pids: number[],
        readonly file: string,
    ) {
        this.child = spawn("strace", ["-f", "-qq", "-e", "trace=execve", "-s", "65535", "-o", file, ...pids.flatMap((p) => ["-p", String(p)])], { stdio: "ignore" });
        this.exited = new Promise((resolve) => this.child.on("exit", resolve));
    }

    /** The host PID of the sshd listener of a lab host (its container's processes, as this machine sees them). */
    static sshdOf(container: string): number {
        const top = execFileSync("docker", ["top", container, "-eo", "pid,args"], { encoding: "utf8" });
        const line = top.split("\n").find((l) => /sshd: \/usr\/sbin\/sshd|\/usr\/sbin\/sshd -D/.test(l));
        if (!line) throw new Error(`no sshd listener on ${container}:\n${top}`);
        return Number(line.trim().split(/\s+/)[0]);
    }

    /** What was traced so far (strace writes each call as it returns). */
    text(): string {
        return fs.existsSync(this.file) ? fs.readFileSync(this.file, "utf8") : "";
    }

    /** How many programs were started. */
    execs(): number {
        return (this.text().match(/ execve\(/g) ?? []).length;
    }

    /** Detaches; resolves once strace has exited. */
    async finish(): Promise<void> {
        if (this.child.exitCode === null) this.child.kill("SIGINT");
        await this.exited;
    }
}
