/**
 * Drives the real Pulumi engine through the Automation API with inline programs: the lab stack and a
 * cluster stack configured from the repo's Pulumi.<env>.yaml. Used by scripts/lab.ts, the e2e tests
 * and the benchmarks. Inline programs need no nodejs language host, so this works wherever the
 * `pulumi` CLI does.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import * as yaml from "js-yaml";
import { LocalWorkspace, ProjectSettings, Stack } from "@pulumi/pulumi/automation";
import { redisHaStack } from "../stack/program";
import { LabArgs, LabDriver, detectLabDriver, labHosts, labProgram } from "./labProgram";
import { labContainerSpec, startIfStoppedScript } from "./labHost";

export const ROOT = path.resolve(__dirname, "..");
export const CACHE = process.env.REDIS_HA_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "redis-ha");

/** Where one set of stacks keeps its state, passphrase and secrets. */
export interface Sandbox {
    /** Directory for state, workspaces, keys and generated secrets. */
    dir: string;
}

/** The default sandbox (command 1's lab), under the cache directory; REDIS_HA_LAB_DIR names another (a test's lab beside it). */
export function defaultSandbox(): Sandbox {
    return { dir: process.env.REDIS_HA_LAB_DIR ?? path.join(CACHE, "lab") };
}

/** A throwaway sandbox for a test run. */
export function tempSandbox(): Sandbox {
    return { dir: fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-test-")) };
}

/** Returns the file's content, creating it (mode 0600) with `make()` the first time. */
function generatedFile(file: string, make: () => string): string {
    if (!fs.existsSync(file)) {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        fs.writeFileSync(file, make(), { mode: 0o600 });
    }
    return fs.readFileSync(file, "utf8").trim();
}

export function labKeyPath(sandbox: Sandbox): string {
    const key = path.join(sandbox.dir, "id_ed25519");
    if (!fs.existsSync(key)) {
        fs.mkdirSync(sandbox.dir, { recursive: true, mode: 0o700 });
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "redis-ha-lab", "-f", key]);
    }
    return key;
}

/** Where the lab's Redis password is kept (0600, outside the repo). */
export function labPasswordFile(sandbox: Sandbox): string {
    return path.join(sandbox.dir, "redis-password");
}

/** The lab's Redis password: random, generated once per sandbox, never in the repo. */
export function labPassword(sandbox: Sandbox): string {
    return generatedFile(labPasswordFile(sandbox), () => crypto.randomBytes(24).toString("base64url"));
}

/** Engine environment: local file backend, a generated passphrase file, no downloads. */
export function engineEnv(sandbox: Sandbox): Record<string, string> {
    const stateDir = path.join(sandbox.dir, "state");
    fs.mkdirSync(stateDir, { recursive: true });
    const passphraseFile = path.join(sandbox.dir, "passphrase");
    generatedFile(passphraseFile, () => crypto.randomBytes(32).toString("base64url"));
    return {
        PULUMI_BACKEND_URL: `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
}

/** Project settings with Pulumi.yaml's `plugins` (which the Automation API's type leaves out). */
type ProjectWithPlugins = ProjectSettings & { plugins?: { providers: Array<{ name: string; path: string }> } };

/**
 * The lab's projects, with the checkout's dynamic-provider plugin (provider/dynamic-provider, as
 * examples/python-consumer names it) as a project plugin: the engine takes it from there, instead
 * of finding a copy on PATH and warning "using pulumi-resource-pulumi-nodejs from $PATH" at every run.
 */
export function labProject(name: string): ProjectWithPlugins {
    return { name, runtime: "nodejs", plugins: { providers: [{ name: "pulumi-nodejs", path: path.join(ROOT, "provider", "dynamic-provider") }] } };
}

/** Whether the `command` plugin is installed at the version @pulumi/command declares. */
export function installedCommandPlugin(): boolean {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules/@pulumi/command/package.json"), "utf8")) as { pulumi: { version: string } };
    const version = pkg.pulumi.version;
    try {
        const plugins = JSON.parse(execFileSync("pulumi", ["plugin", "ls", "--json"], { encoding: "utf8" })) as Array<{ name: string; kind: string; version: string }>;
        return plugins.some((p) => p.name === "command" && p.kind === "resource" && p.version === version);
    } catch {
        return false;
    }
}

/** REDIS_HA_EXECUTOR when set; else `command` when its plugin is installed, else the plugin-free `dynamic` executor. */
export function detectExecutor(): "command" | "dynamic" {
    const forced = process.env.REDIS_HA_EXECUTOR;
    if (forced === "command" || forced === "dynamic") return forced;
    return installedCommandPlugin() ? "command" : "dynamic";
}

export interface LabOptions {
    name?: string;
    hostCount?: number;
    subnetPrefix?: string;
    image: string;
}

export function labArgs(sandbox: Sandbox, opts: LabOptions): LabArgs {
    return {
        name: opts.name ?? "rhlab",
        hostCount: opts.hostCount ?? 3,
        subnetPrefix: opts.subnetPrefix ?? "10.177.77",
        image: opts.image,
        privateKeyPath: labKeyPath(sandbox),
    };
}

export async function labStack(sandbox: Sandbox, args: LabArgs): Promise<Stack> {
    const resolved: LabArgs = { ...args };
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: args.name, projectName: "redis-ha-lab", program: () => Promise.resolve(labProgram(resolved)) },
        { workDir: workDir(sandbox, "redis-ha-lab"), envVars: engineEnv(sandbox), projectSettings: labProject("redis-ha-lab") },
    );
    // A lab keeps the driver it was made with: another driver would delete the running hosts (and
    // the cluster in them) and make new ones. REDIS_HA_LAB_DRIVER switches on purpose.
    resolved.driver = args.driver ?? (process.env.REDIS_HA_LAB_DRIVER ? detectLabDriver() : (labDriverOfResources(await stateResources(stack)) ?? detectLabDriver()));
    // Likewise a host keeps the image it was made from (a lab image rebuilt since would recreate it).
    resolved.keptImages = args.keptImages ?? existingHostImages(args);
    for (const [host, image] of Object.entries(resolved.keptImages)) {
        if (image !== args.image) console.log(`[lab] ${host} keeps its image ${image} (the lab image is now ${args.image}: \`bash scripts/lab.sh down\`, then up, moves the lab to it)`);
    }
    return stack;
}

/** The image each of the lab's existing hosts was made from, by host name (hosts that do not exist are left out). */
export function existingHostImages(args: Pick<LabArgs, "name" | "hostCount" | "subnetPrefix">): Record<string, string> {
    const images: Record<string, string> = {};
    for (const h of labHosts(args)) {
        try {
            const image = execFileSync("docker", ["inspect", "-f", "{{.Config.Image}}", `${args.name}-${h.name}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
            if (image) images[h.name] = image;
        } catch {
            // No such container: it is made from the current image.
        }
    }
    return images;
}

/** Starts the lab's hosts that a machine restart stopped (see startIfStoppedScript); hosts that run or do not exist are left alone. */
export function startStoppedLabHosts(args: LabArgs): void {
    for (const h of labHosts(args)) {
        const spec = labContainerSpec(args.name, h, args.image, `${args.privateKeyPath}.pub`);
        execFileSync("bash", ["-c", startIfStoppedScript(spec)], { stdio: ["ignore", "inherit", "inherit"] });
    }
}

/** The resources recorded in a stack's state (none for a new stack). */
async function stateResources(stack: Stack): Promise<Array<{ type: string; urn: string }>> {
    const state = await stack.exportStack();
    return (state.deployment as { resources?: Array<{ type: string; urn: string }> } | undefined)?.resources ?? [];
}

/** The driver that made a lab's hosts, from its state's resources (undefined: no host yet). */
export function labDriverOfResources(resources: Array<{ type: string; urn: string }>): LabDriver | undefined {
    const hosts = resources.filter((r) => /-lab-\d+$/.test(r.urn));
    if (hosts.some((r) => r.type === "docker:index/container:Container")) return "docker";
    if (hosts.some((r) => r.type.startsWith("pulumi-nodejs:dynamic"))) return "cli";
    return undefined;
}

/** Stack config from the repo's Pulumi.<env>.yaml, as plain key/value pairs. */
export function repoStackConfig(env: string): Record<string, unknown> {
    const file = path.join(ROOT, `Pulumi.${env}.yaml`);
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined;
    return { ...(doc?.config ?? {}) };
}

export interface ClusterStackOptions {
    /** Stack name in this sandbox (default: env). */
    stackName?: string;
    /** Config values replacing those of Pulumi.<env>.yaml (keys like "redis-ha:quorum"). */
    config?: Record<string, unknown>;
    /** Secret config values (keys like "redis-ha:password"). */
    secrets?: Record<string, string>;
    /** The RedisHaCluster's resource name (default: the cluster name). */
    resourceName?: string;
    /** The inline program (default: this checkout's stack/program.ts); the upgrade spec runs a former release's. */
    program?: (resourceName?: string) => Record<string, unknown>;
}

/**
 * A cluster stack running the same program as `index.ts`, configured from Pulumi.<env>.yaml plus
 * overrides. Its settings file lives in the sandbox, so the repo's files are never rewritten.
 */
export async function clusterStack(sandbox: Sandbox, env: string, opts: ClusterStackOptions = {}): Promise<Stack> {
    const stackName = opts.stackName ?? env;
    const config = { ...repoStackConfig(env), ...(opts.config ?? {}) };
    const ws = await LocalWorkspace.create({
        workDir: workDir(sandbox, "redis-ha"),
        program: () => Promise.resolve((opts.program ?? redisHaStack)(opts.resourceName)),
        projectSettings: labProject("redis-ha"),
        stackSettings: { [stackName]: { config: config } },
        envVars: engineEnv(sandbox),
    });
    const stack = await Stack.createOrSelect(stackName, ws);
    for (const [key, value] of Object.entries(opts.secrets ?? {})) {
        setSecretConfig(sandbox, ws.workDir, stackName, key, value);
    }
    return stack;
}

/**
 * `pulumi config set --secret` with the value on stdin. The Automation API's `setConfig` passes the
 * value as a command-line argument, where every user of the machine sees it in `ps`.
 */
export function setSecretConfig(sandbox: Sandbox, workDir: string, stackName: string, key: string, value: string): void {
    execFileSync("pulumi", ["config", "set", "--secret", "--stack", stackName, "--non-interactive", key], {
        cwd: workDir,
        input: value,
        env: { ...process.env, ...engineEnv(sandbox) },
        stdio: ["pipe", "ignore", "pipe"],
    });
}

/**
 * Each lab host's ed25519 host key, read from the container itself (the lab's "console"), never
 * from the network: that is how an operator checks a fingerprint before trusting a host.
 */
export function labHostKeys(args: LabArgs): Record<string, string> {
    return Object.fromEntries(labHosts(args).map((h) => [h.name, hostKeyOf(`${args.name}-${h.name}`)]));
}

/** Host keys by container ID: a host that is stopped for a test keeps the key it had (a new container gets a new ID). */
const hostKeyCache = new Map<string, string>();
function hostKeyOf(container: string): string {
    const id = execFileSync("docker", ["inspect", "-f", "{{.Id}}", container], { encoding: "utf8" }).trim();
    let key = hostKeyCache.get(id);
    if (key === undefined) {
        // `docker cp` reads a stopped container too (a test may have shut the host down).
        key = execFileSync("bash", ["-c", 'docker cp "$1:/etc/ssh/ssh_host_ed25519_key.pub" - | tar -xO', "-", container], { encoding: "utf8" }).trim();
        hostKeyCache.set(id, key);
    }
    return key;
}

/**
 * The executor a cluster stack was deployed with, read from its state (undefined: nothing deployed).
 * A re-run keeps it, so installing the `command` plugin later never switches a running lab by surprise.
 */
export async function deployedExecutor(stack: Stack): Promise<"command" | "dynamic" | undefined> {
    return executorOfResources(await stateResources(stack));
}

/**
 * The executor a lab run deploys with: the one the cluster was deployed with, so that installing
 * the `command` plugin later never switches a running lab by surprise (a switch is lossless, but an
 * operator asks for it: REDIS_HA_EXECUTOR). `configured` is what this machine would pick for a new lab.
 */
export function labExecutor(deployed: "command" | "dynamic" | undefined, configured: "command" | "dynamic", forced: string | undefined): { executor: "command" | "dynamic"; kept: boolean } {
    if (forced === "command" || forced === "dynamic") return { executor: forced, kept: false };
    if (deployed && deployed !== configured) return { executor: deployed, kept: true };
    return { executor: configured, kept: false };
}

/** The executor of the data-node and sentinel steps among a state's resources (undefined: none). */
export function executorOfResources(resources: Array<{ type: string; urn: string }>): "command" | "dynamic" | undefined {
    const steps = resources.filter((r) => /-(redis|sentinel)-apply$/.test(r.urn));
    if (steps.some((r) => r.type === "command:remote:Command")) return "command";
    // A dynamic resource's type names its module: `pulumi-nodejs:dynamic/redis-ha:ShellCommand`.
    if (steps.some((r) => r.type.startsWith("pulumi-nodejs:dynamic"))) return "dynamic";
    return undefined;
}

/** Config that points a cluster stack at a lab (the lab must be up: its host keys are read). */
export function labClusterConfig(sandbox: Sandbox, args: LabArgs): { config: Record<string, unknown>; secrets: Record<string, string> } {
    const hostKeys = labHostKeys(args);
    return {
        config: {
            "redis-ha:hosts": labHosts(args).map((h) => ({ name: h.name, address: h.address, hostKey: hostKeys[h.name] })),
            "redis-ha:ssh": { user: "root", privateKeyPath: args.privateKeyPath },
            "redis-ha:executor": detectExecutor(),
        },
        secrets: { "redis-ha:password": labPassword(sandbox) },
    };
}

function workDir(sandbox: Sandbox, project: string): string {
    const dir = path.join(sandbox.dir, "workspaces", project);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}
