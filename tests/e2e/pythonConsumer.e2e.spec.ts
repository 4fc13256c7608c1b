/**
 * Other languages: examples/python-consumer, a Python program that declares a RedisHaCluster
 * through redis-ha's component package (provider/). `pulumi install` generates its Python SDK from
 * the schema Pulumi's Node.js component host reads off the TypeScript types, then the preview runs
 * the component in that host: what a Python user's PR pipeline does, with no SSH key and hosts
 * that are never contacted. Then the same program deploys to a lab with `pulumi up`, re-runs
 * without a change and is destroyed, as a Python user's stack is.
 *
 * The engine runs with redis-ha's shim directory (.redis-ha/bin) off PATH and no plugin downloads:
 * like a user's shell, it finds the `pulumi-nodejs` plugin (the host of the component's dynamic
 * resources) only through the program's Pulumi.yaml, never on PATH or over the network.
 *
 * It needs the python language host (the program) and the nodejs one (the component), and PyPI for
 * the program's virtualenv: without a language host it is reported as not run.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { Sandbox, detectExecutor, engineEnv, labHostKeys, tempSandbox } from "../../lab/automation";
import { TestLab, createTestLab, labLeftovers, languageHostInstalled, mainPid, notRun, onHost, redisCli } from "./labHarness";

const ROOT = path.join(__dirname, "..", "..");
const PASSWORD = "python-consumer-Secret-4Kf9wQ";
// Documentation addresses (RFC 5737) and example keys: a preview contacts no host.
const HOSTS = [
    { name: "py-a", address: "192.0.2.10", hostKey: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMqN8UXUODzddo5ERuTEmG9f0tr2JAM5bvegtSvP7rbp"] },
    { name: "py-b", address: "192.0.2.11", hostKey: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuEeW7n2TUsD/r9LqCyU5TNMICYnkT+CFNlH7ENg97y"] },
    { name: "py-c", address: "192.0.2.12", hostKey: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEDlW1T9GrwxBOdKpqkPgS0dWqEKcDFOVa/ObW2+DqRv"] },
];

const LAB = "rhtpy";
const SUBNET = "10.177.91";

/** Skips the suite, as not run, unless both language hosts are there. */
function needLanguageHosts(ctx: Mocha.Context, what: string): void {
    for (const language of ["python", "nodejs"] as const) {
        if (!languageHostInstalled(language)) notRun(ctx, what, `the ${language} language host (pulumi-language-${language})`);
    }
}

/**
 * A user's engine environment: this sandbox's backend, no plugin downloads, and PATH without
 * redis-ha's shim directory (the `pulumi-nodejs` plugin there would hide a program that cannot find
 * its own); the CLI's own directory stays first.
 */
function userEnv(sandbox: Sandbox): NodeJS.ProcessEnv {
    const cli = path.dirname(fs.realpathSync(execFileSync("bash", ["-c", "command -v pulumi"], { encoding: "utf8" }).trim()));
    const kept = (process.env.PATH ?? "").split(":").filter((d) => d !== "" && !d.endsWith(`${path.sep}.redis-ha${path.sep}bin`));
    return { ...process.env, ...engineEnv(sandbox), PATH: [cli, ...kept].join(":") };
}

/**
 * Copies examples/python-consumer to `program`, pointing at this checkout's component package and
 * dynamic-provider plugin by absolute paths (as `pulumi package add <path>` writes them), and
 * generates the SDK with `pulumi install`.
 */
function installProgram(program: string, env: NodeJS.ProcessEnv): void {
    fs.cpSync(path.join(ROOT, "examples", "python-consumer"), program, { recursive: true, filter: (f) => !/\/(venv|sdks|__pycache__)$/.test(f) });
    const manifest = path.join(program, "Pulumi.yaml");
    const text = fs.readFileSync(manifest, "utf8")
        .replace(/^( +redis-ha: ).*$/m, `$1${path.join(ROOT, "provider")}`)
        .replace(/^( +path: )\.\.\/\.\.\/provider\/dynamic-provider$/m, `$1${path.join(ROOT, "provider", "dynamic-provider")}`);
    assert.ok(text.includes(path.join(ROOT, "provider", "dynamic-provider")), `examples/python-consumer/Pulumi.yaml lists no pulumi-nodejs plugin path:\n${text}`);
    fs.writeFileSync(manifest, text);
    // Generates sdks/redis-ha from the schema and installs it, with pulumi, into the virtualenv.
    const r = spawnSync("pulumi", ["install", "--cwd", program], { env, encoding: "utf8" });
    assert.strictEqual(r.status, 0, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
}

describe("other languages: a Python program previews a RedisHaCluster through the component package", function () {
    this.timeout(10 * 60 * 1000);
    const sandbox = tempSandbox();
    const program = path.join(sandbox.dir, "python-consumer");
    let env: NodeJS.ProcessEnv = {};
    const pulumi = (args: string[], input?: string) => spawnSync("pulumi", [...args, "--non-interactive", "--cwd", program], { env, input, encoding: "utf8" });
    const ok = (r: ReturnType<typeof pulumi>) => assert.strictEqual(r.status, 0, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);

    before(function () {
        needLanguageHosts(this, "the Python consumer's `pulumi install` and preview");
        env = userEnv(sandbox);
        installProgram(program, env);
        ok(pulumi(["stack", "init", "pr"]));
        ok(pulumi(["config", "set", "hosts", JSON.stringify(HOSTS)]));
        ok(pulumi(["config", "set", "executor", detectExecutor()]));
        ok(pulumi(["config", "set", "--secret", "password"], PASSWORD));
    });

    after(() => fs.rmSync(sandbox.dir, { recursive: true, force: true }));

    it("the generated SDK has the component, its typed settings and enums", () => {
        const sdk = path.join(program, "sdks", "redis-ha", "pulumi_redis_ha");
        const text = fs.readdirSync(sdk).filter((f) => f.endsWith(".py")).map((f) => fs.readFileSync(path.join(sdk, f), "utf8")).join("\n");
        for (const name of ["class RedisHaCluster(", "class HostArgs", "class RedisSettingsArgs", "class AppendFsync(", "class Executor(", "def connection(self)"]) {
            assert.ok(text.includes(name), `${name} is not in the generated SDK`);
        }
    });

    it("previews the cluster without an SSH key: every host's steps planned, the connection info computed, the password nowhere", () => {
        const r = pulumi(["preview", "--diff", "--json"]);
        ok(r);
        const preview = JSON.parse(r.stdout) as { steps: Array<{ op: string; urn: string }>; diagnostics?: Array<{ message: string; severity: string }> };
        const created = preview.steps.filter((s) => s.op === "create").map((s) => s.urn.split("::").pop());
        assert.ok(preview.steps.some((s) => s.urn.endsWith("redis-ha:index:RedisHaCluster::cache")), "no RedisHaCluster in the preview");
        for (const h of HOSTS) {
            for (const step of [`cache-${h.name}-preflight`, `cache-${h.name}-redis-apply`, `cache-${h.name}-sentinel-apply`]) {
                assert.ok(created.includes(step), `${step} is not planned: ${created.join(", ")}`);
            }
        }
        assert.ok(created.includes("cache-health-gate"), "no health gate planned");
        const warnings = (preview.diagnostics ?? []).filter((d) => d.severity === "warning").map((d) => d.message).join("\n");
        assert.match(warnings, /sshPrivateKey: no SSH private key is given; previewing without it/);
        assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), "the password is in the preview");
        const text = pulumi(["preview", "--diff"]);
        ok(text);
        assert.match(text.stdout, /masterName: "cache"/);
        assert.match(text.stdout, /host: "192\.0\.2\.11"\n\s+port: 26395/);
        assert.ok(!(text.stdout + text.stderr).includes(PASSWORD), "the password is in the preview");
    });

    it("bad input from Python fails the preview with redis-ha's problem list, field and fix, and plans nothing", () => {
        ok(pulumi(["config", "set", "hosts", JSON.stringify(HOSTS.slice(0, 1))]));
        const r = pulumi(["preview"]);
        assert.notStrictEqual(r.status, 0, r.stdout);
        assert.match(r.stdout, /redis-ha: invalid configuration \(1 problem\):\n\s+- sentinels: 1 sentinel on 1 host cannot fail over.*Fix: run a sentinel on at least 3 independent hosts/);
        assert.doesNotMatch(r.stdout, /\+ +command:remote:Command|\+ +pulumi-nodejs:dynamic/);
        ok(pulumi(["config", "set", "hosts", JSON.stringify(HOSTS)]));
    });
});

describe("other languages: a Python program deploys, re-runs and destroys a RedisHaCluster on the lab", function () {
    this.timeout(20 * 60 * 1000);
    const sandbox = tempSandbox();
    const program = path.join(sandbox.dir, "python-consumer");
    let lab: TestLab | undefined;
    let env: NodeJS.ProcessEnv = {};
    const existingPids: Record<string, string> = {};
    const pulumi = (args: string[], input?: string) => spawnSync("pulumi", [...args, "--non-interactive", "--cwd", program, "-s", "lab"], { env, input, encoding: "utf8" });
    const ok = (r: ReturnType<typeof pulumi>) => assert.strictEqual(r.status, 0, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    const hosts = () => lab!.hosts;
    const pids = () => hosts().map((h) => `${mainPid(h.container, "redis-ha-cache-server.service")}/${mainPid(h.container, "redis-ha-cache-sentinel.service")}`);

    before(async function () {
        needLanguageHosts(this, "deploying the Python consumer with `pulumi up`");
        env = userEnv(sandbox);
        installProgram(program, env);
        lab = await createTestLab(LAB, SUBNET);
        const keys = labHostKeys(lab.args);
        for (const h of lab.hosts) existingPids[h.name] = mainPid(h.container, "redis-server.service");
        ok(spawnSync("pulumi", ["stack", "init", "lab", "--non-interactive", "--cwd", program], { env, encoding: "utf8" }));
        ok(pulumi(["config", "set", "hosts", JSON.stringify(lab.hosts.map((h) => ({ name: h.name, address: h.address, hostKey: [keys[h.name]] })))]));
        ok(pulumi(["config", "set", "sshPrivateKeyPath", lab.args.privateKeyPath]));
        ok(pulumi(["config", "set", "executor", detectExecutor()]));
        // On stdin: the password is never on argv.
        ok(pulumi(["config", "set", "--secret", "password"], lab.password));
    });

    after(async () => {
        if (lab) {
            pulumi(["destroy", "--yes"]);
            await lab.destroy();
            assert.strictEqual(labLeftovers(LAB), "", "the Python consumer's lab left containers or networks behind");
        }
        fs.rmSync(sandbox.dir, { recursive: true, force: true });
    });

    it("`pulumi up` deploys the cluster: the configured master, two linked replicas, every sentinel naming the master", () => {
        const up = pulumi(["up", "--yes"]);
        ok(up);
        assert.ok(!(up.stdout + up.stderr).includes(lab!.password), "the password is in the output of `pulumi up`");
        const [master, ...replicas] = hosts();
        assert.strictEqual(redisCli(master!.container, lab!.password, 6395, "ROLE").split("\n")[0], "master", `${master!.name} is not the master`);
        assert.match(redisCli(master!.container, lab!.password, 6395, "INFO", "replication"), /connected_slaves:2/);
        for (const r of replicas) {
            const info = redisCli(r.container, lab!.password, 6395, "INFO", "replication");
            assert.match(info, /role:slave/, `${r.name} is not a replica`);
            assert.match(info, new RegExp(`master_host:${master!.address.replace(/\./g, "\\.")}\\s`), `${r.name} replicates from another host`);
            assert.match(info, /master_link_status:up/, `${r.name}'s link to the master is down`);
        }
        for (const h of hosts()) {
            assert.strictEqual(redisCli(h.container, lab!.password, 26395, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "cache").split("\n")[0], master!.address, `the sentinel on ${h.name}`);
            assert.match(redisCli(h.container, lab!.password, 26395, "SENTINEL", "CKQUORUM", "cache"), /^OK/, `quorum on ${h.name}`);
        }
        const out = JSON.parse(pulumi(["stack", "output", "connection", "--json"]).stdout) as { masterName: string; sentinels: unknown[] };
        assert.strictEqual(out.masterName, "cache");
        assert.strictEqual(out.sentinels.length, 3);
    });

    it("a second `pulumi up` changes nothing and restarts nothing", () => {
        const before = pids();
        const up = pulumi(["up", "--yes", "--expect-no-changes"]);
        ok(up);
        assert.doesNotMatch(up.stdout, /[1-9]\d* (to )?(create|update|replace|delete)/, up.stdout.slice(-2000));
        assert.deepStrictEqual(pids(), before, "the no-op re-run restarted a Redis or a sentinel");
    });

    it("`pulumi destroy` removes every unit and directory of the cluster; the hosts' own Redis on 6379 keeps running", () => {
        ok(pulumi(["destroy", "--yes"]));
        for (const h of hosts()) {
            assert.strictEqual(onHost(h.container, "systemctl list-units --all --no-legend --plain 'redis-ha-cache*' | wc -l").trim(), "0", `units left on ${h.name}`);
            assert.strictEqual(onHost(h.container, "ls /etc/systemd/system | grep -c '^redis-ha-cache' || true").trim(), "0", `unit files left on ${h.name}`);
            assert.strictEqual(onHost(h.container, "ls -d /etc/redis-ha/cache /var/lib/redis-ha/cache /var/log/redis-ha/cache 2>/dev/null | wc -l").trim(), "0", `directories left on ${h.name}`);
            assert.strictEqual(onHost(h.container, "redis-cli -p 6379 PING").trim(), "PONG", `the Redis on 6379 of ${h.name}`);
            assert.strictEqual(mainPid(h.container, "redis-server.service"), existingPids[h.name], `the Redis on 6379 of ${h.name} was restarted`);
        }
    });
});
