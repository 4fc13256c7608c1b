/**
 * Other languages: examples/python-consumer, a Python program that declares a RedisHaCluster
 * through redis-ha's component package (provider/). `pulumi install` generates its Python SDK from
 * the schema Pulumi's Node.js component host reads off the TypeScript types, then the preview runs
 * the component in that host: what a Python user's PR pipeline does, with no SSH key and hosts
 * that are never contacted.
 *
 * It needs the python language host (the program) and the nodejs one (the component), and PyPI for
 * the program's virtualenv: without a language host it is reported as not run.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { detectExecutor, engineEnv, tempSandbox } from "../../lab/automation";
import { languageHostInstalled, notRun } from "./labHarness";

const ROOT = path.join(__dirname, "..", "..");
const PASSWORD = "python-consumer-Secret-4Kf9wQ";
// Documentation addresses (RFC 5737) and example keys: a preview contacts no host.
const HOSTS = [
    { name: "py-a", address: "192.0.2.10", hostKey: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMqN8UXUODzddo5ERuTEmG9f0tr2JAM5bvegtSvP7rbp"] },
    { name: "py-b", address: "192.0.2.11", hostKey: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuEeW7n2TUsD/r9LqCyU5TNMICYnkT+CFNlH7ENg97y"] },
    { name: "py-c", address: "192.0.2.12", hostKey: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEDlW1T9GrwxBOdKpqkPgS0dWqEKcDFOVa/ObW2+DqRv"] },
];

describe("other languages: a Python program previews a RedisHaCluster through the component package", function () {
    this.timeout(10 * 60 * 1000);
    const sandbox = tempSandbox();
    const program = path.join(sandbox.dir, "python-consumer");
    let env: NodeJS.ProcessEnv = {};
    const pulumi = (args: string[], input?: string) => spawnSync("pulumi", [...args, "--non-interactive", "--cwd", program], { env, input, encoding: "utf8" });
    const ok = (r: ReturnType<typeof pulumi>) => assert.strictEqual(r.status, 0, `${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);

    before(function () {
        for (const language of ["python", "nodejs"] as const) {
            if (!languageHostInstalled(language)) notRun(this, "the Python consumer's `pulumi install` and preview", `the ${language} language host (pulumi-language-${language})`);
        }
        fs.cpSync(path.join(ROOT, "examples", "python-consumer"), program, { recursive: true, filter: (f) => !/\/(venv|sdks|__pycache__)$/.test(f) });
        // The copy points at this checkout's component package, as `pulumi package add <path>` would write it.
        const manifest = path.join(program, "Pulumi.yaml");
        fs.writeFileSync(manifest, fs.readFileSync(manifest, "utf8").replace(/^( +redis-ha: ).*$/m, `$1${path.join(ROOT, "provider")}`));
        env = { ...process.env, ...engineEnv(sandbox) };
        // Generates sdks/redis-ha from the schema and installs it, with pulumi, into the virtualenv.
        ok(spawnSync("pulumi", ["install", "--cwd", program], { env, encoding: "utf8" }));
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
