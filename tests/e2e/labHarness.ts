/**
 * Test harness: a private lab (own name, own subnet, own state) per test run, plus ways to look at
 * the hosts. Observation goes through `docker exec`; the password travels in the environment only.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { CounterReport } from "../../examples/visit-counter/counter";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { Stack } from "@pulumi/pulumi/automation";
import type { ClusterStatus } from "../../ops/status";
import { LabArgs, labHosts } from "../../lab/labProgram";
import { Sandbox, clusterStack, engineEnv, labArgs, labClusterConfig, labPassword, labStack, tempSandbox } from "../../lab/automation";

export interface TestLab {
    sandbox: Sandbox;
    args: LabArgs;
    lab: Stack;
    password: string;
    hosts: Array<{ name: string; address: string; container: string }>;
    cluster(opts?: { config?: Record<string, unknown>; stackName?: string; resourceName?: string; program?: (resourceName?: string) => Record<string, unknown> }): Promise<Stack>;
    destroy(): Promise<void>;
}

/** A nodejs language host is on PATH (the CLI runs `index.ts` with it). */
export function nodejsLanguageHostInstalled(): boolean {
    return languageHostInstalled("nodejs");
}

/** Whether the CLI finds `pulumi-language-<language>` (on PATH or beside `pulumi`), as it does when it runs a program. */
export function languageHostInstalled(language: "nodejs" | "python"): boolean {
    const bin = `pulumi-language-${language}`;
    try {
        execFileSync("bash", ["-c", `command -v ${bin} || ls "$(dirname "$(command -v pulumi)")/${bin}"`], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/**
 * Skips the running test or suite, saying by name what it needs: scripts/test.sh lists every
 * `[not run]` line at the end, so a missing binary never turns into a silent pass.
 */
export function notRun(ctx: Mocha.Context, what: string, needs: string): never {
    console.log(`[not run] ${what}: needs ${needs}`);
    ctx.skip();
}

export function requireLabImage(): string {
    const image = process.env.LAB_IMAGE;
    if (!image) throw new Error("LAB_IMAGE is not set: run the tests through scripts/test.sh, which builds the lab image");
    return image;
}

/**
 * A private lab of `hostCount` hosts. `image`: another lab image than LAB_IMAGE (e.g. LAB_IMAGE_TRIXIE);
 * `clusterConfig`: stack config every cluster of this lab starts from (e.g. `redis-ha:server`).
 */
export async function createTestLab(name: string, subnetPrefix: string, hostCount = 3, labOpts: { image?: string; clusterConfig?: Record<string, unknown> } = {}): Promise<TestLab> {
    const sandbox = tempSandbox();
    const args = labArgs(sandbox, { name, subnetPrefix, hostCount, image: labOpts.image ?? requireLabImage() });
    const lab = await labStack(sandbox, args);
    await lab.up();
    const hosts = labHosts(args).map((h) => ({ ...h, container: `${name}-${h.name}` }));
    const clusters: Stack[] = [];
    return {
        sandbox,
        args,
        lab,
        password: labPassword(sandbox),
        hosts,
        async cluster(opts = {}) {
            const base = labClusterConfig(sandbox, args);
            const stack = await clusterStack(sandbox, "lab", {
                stackName: opts.stackName ?? "lab",
                config: { ...base.config, ...(labOpts.clusterConfig ?? {}), ...(opts.config ?? {}) },
                secrets: base.secrets,
                resourceName: opts.resourceName,
                program: opts.program,
            });
            // One entry per stack: a stack configured again is still destroyed once.
            if (!clusters.some((s) => s.name === stack.name)) clusters.push(stack);
            return stack;
        },
        /** Destroys every cluster stack, then the lab; throws with every error met, after trying all of it. */
        async destroy() {
            const errors: string[] = [];
            for (const stack of clusters) {
                await stack.destroy().catch((err: unknown) => errors.push(`cluster stack ${stack.name}: ${String(err).slice(-1500)}`));
            }
            await lab.destroy().catch((err: unknown) => errors.push(`lab ${name}: ${String(err).slice(-1500)}`));
            const left = labLeftovers(name);
            if (left) errors.push(`lab ${name} left behind: ${left.replace(/\n/g, ", ")}`);
            fs.rmSync(sandbox.dir, { recursive: true, force: true });
            if (errors.length > 0) throw new Error(`tearing down the test lab failed:\n${errors.join("\n")}`);
        },
    };
}

/** Runs a shell command inside a lab host and returns its stdout. REDISCLI_AUTH is passed by name, never by value. */
export function onHost(container: string, script: string, password?: string): string {
    const env = password === undefined ? process.env : { ...process.env, REDISCLI_AUTH: password };
    return execFileSync("docker", ["exec", ...(password === undefined ? [] : ["-e", "REDISCLI_AUTH"]), container, "bash", "-c", script], { env, encoding: "utf8" });
}

/** redis-cli on a lab host (authenticated through REDISCLI_AUTH). */
export function redisCli(container: string, password: string, port: number, ...args: string[]): string {
    const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    return onHost(container, `redis-cli --no-auth-warning --raw -p ${port} ${quoted}`, password).trim();
}

/** Field of an INFO-style or alternating key/value reply. */
export function field(reply: string, key: string): string | undefined {
    const lines = reply.split(/\r?\n/);
    const colon = lines.find((l) => l.startsWith(`${key}:`));
    if (colon) return colon.slice(key.length + 1);
    const i = lines.indexOf(key);
    return i >= 0 ? lines[i + 1] : undefined;
}

export function mainPid(container: string, unit: string): string {
    return onHost(container, `systemctl show -p MainPID --value ${unit}`).trim();
}

export async function eventually<T>(what: string, seconds: number, fn: () => T | Promise<T>): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    let last: unknown;
    for (;;) {
        try {
            return await fn();
        } catch (err) {
            last = err;
        }
        if (Date.now() > deadline) throw new Error(`${what}: still failing after ${seconds}s: ${last instanceof Error ? last.message : String(last)}`);
        await new Promise((r) => setTimeout(r, 1000));
    }
}

export function labLeftovers(name: string): string {
    const containers = execFileSync("docker", ["ps", "-a", "--filter", `label=org.redis-ha.lab=${name}`, "--format", "{{.Names}}"], { encoding: "utf8" }).trim();
    const networks = execFileSync("docker", ["network", "ls", "--filter", `label=org.redis-ha.lab=${name}`, "--format", "{{.Name}}"], { encoding: "utf8" }).trim();
    return [containers, networks].filter(Boolean).join("\n");
}

/**
 * A host-side script listing the files `find` names (`find ... ` without actions) that hold
 * $REDISCLI_AUTH. The pattern goes to grep in a 0600 file: as an argument it would be in argv, and a
 * pipe would be used up by the first of the several greps xargs starts.
 */
export function grepFiles(find: string): string {
    return `( umask 077; p=$(mktemp); printf '%s\\n' "$REDISCLI_AUTH" > "$p"; timeout 300 ${find} -print0 2>/dev/null | timeout 300 xargs -0 -r grep -lF -f "$p" 2>/dev/null | sort -u; rm -f "$p" )`;
}

/** What every spec asserts of a writer that ran through a step: it ran throughout, and no confirmed write was lost. */
export function assertNothingLost(report: CounterReport, during: string): void {
    assert.ok(report.confirmed > 0, `${during}: the client got no write confirmed: ${JSON.stringify(report)}`);
    assert.strictEqual(report.stoppedByBound, false, `${during} outlasted the writer's bound: ${JSON.stringify(report)}`);
    assert.strictEqual(report.lost, 0, `${during}: confirmed writes lost: ${JSON.stringify(report)}`);
    console.log(`      writer: ${report.confirmed} confirmed, ${report.unconfirmed} unconfirmed, ${report.errors} errors, ${report.lost} lost, longest gap ${report.longestGapMs} ms`);
}

/**
 * After a step (an `up`, a switch, a host killed...): the writer is still getting NEW writes
 * confirmed. A writer that stopped, or one stuck since the step, fails here, by name, instead of
 * passing on the writes it confirmed before. Bounded: `more` new confirmations within `seconds`.
 */
export async function assertStillWriting(writer: { confirmed(): number }, after: string, more = 10, seconds = 60): Promise<void> {
    const from = writer.confirmed();
    await eventually(`${after}: the writer confirming new writes (${from} confirmed before)`, seconds, () => {
        const now = writer.confirmed();
        if (now < from + more) throw new Error(`${now - from} new writes confirmed, ${more} wanted`);
    });
}

/**
 * `systemd-analyze security` of a loaded unit on a lab host: its overall exposure (e.g. 1.0) and the
 * rating systemd gives it (OK, MEDIUM, EXPOSED, UNSAFE).
 */
export function unitExposure(container: string, unit: string): { score: number; rating: string } {
    const out = onHost(container, `systemd-analyze security --no-pager ${unit}`);
    const m = /Overall exposure level for \S+: ([0-9.]+) (\w+)/.exec(out);
    assert.ok(m, `no overall exposure line for ${unit}:\n${out}`);
    return { score: Number(m[1]), rating: m[2]! };
}

/** An exporter's /metrics page, fetched as Prometheus would (from this machine, over the lab network). */
export function scrape(address: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = http.get({ host: address, port, path: "/metrics", timeout: 5000 }, (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => resolve(body));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

/** The value of an unlabelled metric in a /metrics page. */
export const metric = (body: string, name: string) => body.split("\n").find((l) => l.startsWith(`${name} `))?.split(" ")[1];

/** `<server> <version>` of the node or sentinel on `port`, from its INFO (Valkey's keeps redis_version at 7.2.4 and adds valkey_version). */
export function serverIdentity(container: string, password: string, port: number): string {
    const info = redisCli(container, password, port, "INFO", "server");
    return field(info, "valkey_version") ? `valkey ${field(info, "valkey_version")}` : `redis ${field(info, "redis_version")}`;
}

/**
 * `redis-ha status --json` on the lab's cluster stack, run as an operator runs it (ops/cli.ts). Exit
 * 3 (a problem found) still gives the report; `healthy: true` asks for exit 0 as well.
 */
export function clusterStatus(lab: TestLab, stack: Stack, opts: { healthy?: boolean } = {}): ClusterStatus {
    const cli = path.join(__dirname, "..", "..", "ops", "cli.ts");
    const r = spawnSync(process.execPath, [require.resolve("tsx/cli"), cli, "status", "--json", "-s", "lab", "--cwd", stack.workspace.workDir], {
        env: { ...process.env, ...engineEnv(lab.sandbox) },
        encoding: "utf8",
    });
    if (opts.healthy) assert.strictEqual(r.status, 0, `status: ${r.stdout}${r.stderr}`);
    else assert.ok(r.status === 0 || r.status === 3, `status failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as ClusterStatus;
}
