/**
 * README command (1), `bash scripts/lab.sh`, run as a user runs it, on a lab of its own beside the
 * default one (REDIS_HA_LAB_DIR/NAME/SUBNET): it deploys and says "healthy" only over a cluster that
 * is; a re-run keeps the executor the cluster was deployed with; the status line it prints runs as
 * printed in a fresh shell; a cluster whose services all died (or some of them) is repaired with
 * `pulumi up --refresh`, its data kept; `down` leaves nothing. Its output carries no engine noise.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { executorOfResources, installedCommandPlugin } from "../../lab/automation";
import { labLeftovers, onHost, redisCli } from "./labHarness";

const ROOT = path.join(__dirname, "..", "..");
const LAB = "rhtcmd";
const SUBNET = "10.177.95";
const HOSTS = [1, 2, 3].map((n) => ({ name: `lab-${n}`, container: `${LAB}-lab-${n}`, address: `${SUBNET}.${10 + n}` }));
const UNITS = "redis-ha-lab-server.service redis-ha-lab-sentinel.service";
/** Lines the engine or the lab's hosts print that tell a user nothing (issue 23, point 4). */
const NOISE = [/using pulumi-resource-pulumi-nodejs from \$PATH/, /Failed to connect to bus/];

describe("README command (1): bash scripts/lab.sh, as a user runs it", function () {
    this.timeout(30 * 60 * 1000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-labcmd-"));
    // As a user runs it: without the executor scripts/test.sh sets for each pass (the script picks, and keeps, its own).
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_HA_LAB_DIR: dir, REDIS_HA_LAB_NAME: LAB, REDIS_HA_LAB_SUBNET: SUBNET };
    delete env.REDIS_HA_EXECUTOR;
    let password = "";
    /** The last run's output: the status line it printed is run in a fresh shell. */
    let lastOutput = "";

    /** `bash scripts/lab.sh [action]`; its output as a user reads it (stdout and stderr together). */
    const labSh = (action?: string, extraEnv: Record<string, string> = {}) => {
        const r = spawnSync("bash", [path.join(ROOT, "scripts", "lab.sh"), ...(action ? [action] : [])], { env: { ...env, ...extraEnv }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    };
    const tail = (output: string) => output.split("\n").slice(-40).join("\n");
    /** Every sentinel names one master, CKQUORUM is OK everywhere, the master has both replicas online: looked at here, not taken from the script. */
    const assertHealthy = (when: string) => {
        const named = HOSTS.map((h) => redisCli(h.container, password, 26389, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lab").split("\n")[0]);
        assert.ok(named[0] && named.every((m) => m === named[0]), `${when}: sentinels name ${named.join(", ")}`);
        for (const h of HOSTS) assert.match(redisCli(h.container, password, 26389, "SENTINEL", "CKQUORUM", "lab"), /^OK/, `${when}: ${h.name}'s CKQUORUM`);
        const master = HOSTS.find((h) => h.address === named[0])!;
        const info = redisCli(master.container, password, 6389, "INFO", "replication");
        assert.match(info, /role:master/, `${when}: ${master.name}`);
        assert.strictEqual((info.match(/^slave\d+:.*state=online/gm) ?? []).length, 2, `${when}: replicas online at ${master.name}:\n${info}`);
    };
    const assertNoNoise = (output: string, when: string) => {
        for (const noise of NOISE) assert.doesNotMatch(output, noise, `${when}: printed ${String(noise)}`);
    };
    const deployedExecutor = () => {
        const r = spawnSync("pulumi", ["stack", "export", "--stack", "lab", "--cwd", path.join(dir, "workspaces", "redis-ha")], {
            env: { ...env, PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE_FILE: path.join(dir, "passphrase") },
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        assert.strictEqual(r.status, 0, r.stderr);
        return executorOfResources((JSON.parse(r.stdout) as { deployment: { resources?: Array<{ type: string; urn: string }> } }).deployment.resources ?? []);
    };

    after(function () {
        if (labLeftovers(LAB)) labSh("down");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("deploys on a fresh lab and says healthy only over a healthy cluster, with no engine noise", () => {
        // Deployed on the plugin-free executor, so that a machine with the `command` plugin can show that a re-run keeps it.
        const up = labSh(undefined, { REDIS_HA_EXECUTOR: "dynamic" });
        assert.strictEqual(up.status, 0, tail(up.output));
        assert.match(up.output, /redis-ha lab is up and healthy: master name "lab"/);
        password = fs.readFileSync(path.join(dir, "redis-password"), "utf8").trim();
        assertHealthy("after the first run");
        assertNoNoise(up.output, "the first run");
        assert.strictEqual(deployedExecutor(), "dynamic");
    });

    it("re-runs with nothing changed: keeps the executor it was deployed with, changes and restarts nothing", () => {
        const pids = HOSTS.map((h) => onHost(h.container, `systemctl show -p MainPID --value ${UNITS}`).trim());
        const again = labSh();
        assert.strictEqual(again.status, 0, tail(again.output));
        assert.doesNotMatch(again.output, /\b(created|updated|deleted|replaced)\b.*redis-ha:/, "a no-op re-run changed a resource");
        assert.deepStrictEqual(
            HOSTS.map((h) => onHost(h.container, `systemctl show -p MainPID --value ${UNITS}`).trim()),
            pids,
            "a no-op re-run restarted a service",
        );
        assert.strictEqual(deployedExecutor(), "dynamic", "the re-run switched the executor");
        // Only where this machine would pick another executor for a new lab is there something to keep.
        if (installedCommandPlugin()) assert.match(again.output, /keeping the executor this cluster was deployed with \(dynamic\)/);
        assertNoNoise(again.output, "the re-run");
        lastOutput = again.output;
    });

    it("prints a status line that runs as printed in a fresh shell (no toolchain on PATH)", () => {
        const line = lastOutput.split("\n").find((l) => l.includes("run -s ops -- status"))?.trim();
        assert.ok(line, `no status line in:\n${tail(lastOutput)}`);
        const fresh = spawnSync("bash", ["-c", line], { cwd: os.tmpdir(), env: { HOME: os.homedir(), PATH: "/usr/local/bin:/usr/bin:/bin" }, encoding: "utf8" });
        assert.strictEqual(fresh.status, 0, `${line}\n${fresh.stdout}${fresh.stderr}`);
        assert.match(fresh.stdout, /^cluster lab \(stack lab\): master lab-\d, healthy/m);
        // Each host's row: what it runs (the lab image's Debian 12 Redis), then its data node's unit.
        for (const h of HOSTS) assert.match(fresh.stdout, new RegExp(`^${h.name} +${h.address.replace(/\./g, "\\.")} +redis 7\\.0\\.\\d+ +active`, "m"));
    });

    it("repairs a dead cluster (every unit stopped) with `pulumi up --refresh`, keeping its data, and a half-dead one", () => {
        const master = () => HOSTS.find((h) => h.address === redisCli(h.container, password, 26389, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lab").split("\n")[0])!;
        assert.strictEqual(redisCli(master().container, password, 6389, "SET", "lab-command:kept", "before the units stopped"), "OK");
        assert.strictEqual(redisCli(master().container, password, 6389, "WAIT", "2", "5000"), "2");
        for (const h of HOSTS) onHost(h.container, `systemctl stop ${UNITS}`);
        const dead = labSh();
        assert.strictEqual(dead.status, 0, tail(dead.output));
        assert.match(dead.output, /cluster lab is not healthy:[\s\S]*repairing it with `pulumi up --refresh`[\s\S]*redis-ha lab is up and healthy/);
        assertHealthy("after repairing a dead cluster");
        assert.strictEqual(redisCli(master().container, password, 6389, "GET", "lab-command:kept"), "before the units stopped");

        // Half-dead: one replica's server and another host's sentinel.
        onHost(HOSTS.find((h) => h !== master())!.container, "systemctl stop redis-ha-lab-server.service");
        onHost(master().container, "systemctl stop redis-ha-lab-sentinel.service");
        const half = labSh();
        assert.strictEqual(half.status, 0, tail(half.output));
        assert.match(half.output, /cluster lab is not healthy:[\s\S]*repairing it with `pulumi up --refresh`[\s\S]*redis-ha lab is up and healthy/);
        assertHealthy("after repairing a half-dead cluster");
        assertNoNoise(dead.output + half.output, "the repairs");
    });

    it("`down` removes the cluster and the lab", () => {
        const down = labSh("down");
        assert.strictEqual(down.status, 0, tail(down.output));
        assert.strictEqual(labLeftovers(LAB), "");
    });
});
