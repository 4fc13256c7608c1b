/**
 * The remote programs installed once per host, each file under its SHA-256 (remote/install.sh), and
 * the steps, removals and drift checks that run them by hash (components/remote/payload.ts): run for
 * real with bash in a scratch directory (no host, no engine).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import {
    deferredProgram,
    expandPrograms,
    installedChecks,
    installedCommand,
    installedFiles,
    installedProgram,
    keptRemoval,
    programFiles,
    shellQuote,
    stageVars,
    stagedSha,
    standaloneCommand,
    stepProgram,
} from "../../components/remote/payload";
import { REVIEW_PASSWORD, checkVars, healthGateVars, installVars, programsRemovalVars, redisStepVars, removalVars, reviewedFiles } from "../../components/plan/steps";
import { resolveClusterSpec } from "../../components/config/validate";
import { nextKeyedRepairs } from "../../components/exec/shellProvider";
import { threeHostTopology } from "../fixtures/topology";

const PASSWORD = "installed-programs-password-0123";
const LIB_MARKER = "write_if_changed() {";

describe("remote programs installed by content hash", () => {
    const spec = resolveClusterSpec(threeHostTopology({ clusterName: "inst" }));
    let root: string;
    let dir: string;
    // The paths the programs use, moved into a scratch directory.
    const scratch = <T extends object>(vars: T): T => ({ ...vars, RH_DATA_ROOT: root, RH_PROGRAMS_DIR: dir, RH_OWNER_FILE: path.join(dir, "owner"), RH_OWNER: "dynamic:inst-programs" });

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-programs-"));
        dir = path.join(root, "inst.programs");
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const install = () => execFileSync("bash", ["-s"], { input: stepProgram("install", scratch(installVars(spec, spec.master))), encoding: "utf8" });

    it("installs every program once, named by its hash, readable by root only, and keeps what is there", () => {
        assert.match(install(), /programs: \d+ file\(s\) installed/);
        for (const f of installedFiles()) {
            const file = path.join(dir, `${f.sha256}.sh`);
            assert.strictEqual(fs.readFileSync(file, "utf8"), f.text, f.name);
            assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600, f.name);
        }
        assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
        // An older revision's file (a removal written before an upgrade names it) stays.
        fs.writeFileSync(path.join(dir, `${"0".repeat(64)}.sh`), "older revision\n");
        assert.match(install(), /programs: 0 file\(s\) installed/);
        assert.ok(fs.existsSync(path.join(dir, `${"0".repeat(64)}.sh`)));
    });

    it("a step, a removal and a drift check carry their inputs and the files' hashes, not the programs", () => {
        const step = installedProgram("apply-redis", redisStepVars(spec, spec.master, PASSWORD), PASSWORD);
        const removal = installedCommand("remove", removalVars(spec, spec.master, "server"));
        const check = installedCommand("check", checkVars(spec, spec.master, "server"));
        for (const [what, text] of [["step", step], ["removal", removal], ["check", check]] as const) {
            assert.ok(!text.includes(LIB_MARKER), `${what} carries lib.sh`);
            for (const f of programFiles(what === "step" ? "apply-redis" : what === "removal" ? "remove" : "check")) assert.ok(text.includes(f.sha256), `${what} does not name ${f.name}`);
        }
        assert.ok(removal.length < 3000, `removal is ${removal.length} bytes`);
        assert.ok(check.length < 3000, `check is ${check.length} bytes`);
        assert.ok(!removal.includes(PASSWORD) && !check.includes(PASSWORD));
        // The inline form (the preflight, the operator commands) still carries everything.
        assert.ok(stepProgram("health-gate", healthGateVars(spec, "rev", PASSWORD), PASSWORD).includes(LIB_MARKER));
    });

    it("runs the installed files, and refuses a missing or changed one before running anything", () => {
        install();
        // A standalone program that reads only: the drift check, against paths that do not exist here.
        const vars = scratch({ ...checkVars(spec, spec.master, "server"), RH_UNIT_PATH: path.join(root, "no-unit"), RH_CONF_PATH: path.join(root, "no-conf") });
        const ran = spawnSync("bash", ["-c", installedCommand("check", vars)], { encoding: "utf8" });
        assert.strictEqual(ran.status, 0, ran.stderr);
        assert.match(ran.stdout, /no-unit differs from redis-ha's unit/);
        assert.match(ran.stdout, /no-conf is missing/);
        // Tampered with on the host: nothing of it runs.
        const check = programFiles("check").find((f) => f.name === "check.sh")!;
        fs.appendFileSync(path.join(dir, `${check.sha256}.sh`), "\necho tampered\n");
        const refused = spawnSync("bash", ["-c", installedCommand("check", vars)], { encoding: "utf8" });
        assert.strictEqual(refused.status, 1);
        assert.doesNotMatch(refused.stdout, /tampered|differs/);
        assert.match(refused.stderr, new RegExp(`${check.sha256}\\.sh is missing or changed: run pulumi up, whose install step puts it back`));
    });

    it("a host's drift check runs each step's check, its lines keyed by the step; with a file of the host's missing or changed, one line for every step", () => {
        install();
        const vars = (kind: "server" | "sentinel") => scratch({ ...checkVars(spec, spec.master, kind), RH_UNIT_PATH: path.join(root, `no-${kind}-unit`), RH_CONF_PATH: path.join(root, `no-${kind}-conf`) });
        // What the host must hold: the check's programs, and a removal a step kept there.
        const kept = "RH_KIND='server'\n";
        fs.mkdirSync(path.join(dir, "removal"));
        fs.writeFileSync(path.join(dir, "removal", stagedSha(kept)), kept);
        const held = [...programFiles("check").map((f) => `${f.sha256}.sh`), `removal/${stagedSha(kept)}`];
        const checks = installedChecks(
            [
                { key: "console-redis-apply", check: vars("server") },
                { key: "console-sentinel-apply", check: vars("sentinel") },
            ],
            { dir, files: held },
        );
        const ran = spawnSync("bash", ["-c", checks], { encoding: "utf8" });
        assert.strictEqual(ran.status, 0, ran.stderr);
        const lines = ran.stdout.trim().split("\n");
        assert.ok(lines.includes(`console-redis-apply: ${path.join(root, "no-server-unit")} differs from redis-ha's unit`), ran.stdout);
        assert.ok(lines.includes(`console-sentinel-apply: ${path.join(root, "no-sentinel-conf")} is missing`), ran.stdout);
        assert.ok(lines.every((l) => /^console-(redis|sentinel)-apply: /.test(l)), ran.stdout);
        // What both checks share is assigned once.
        assert.strictEqual(checks.split(`RH_MASTER_NAME='inst'`).length - 1, 1);
        const check = programFiles("check").find((f) => f.name === "check.sh")!;
        // A changed program is not run; the check says, with no key (so for every step, the programs
        // step included), that the host's programs need installing again, and the refresh goes on.
        const missing = (file: string) => `${dir}/${file} is missing or changed: the host's programs step and its steps run again`;
        fs.appendFileSync(path.join(dir, `${check.sha256}.sh`), "\necho tampered\n");
        const changed = spawnSync("bash", ["-c", checks], { encoding: "utf8" });
        assert.strictEqual(changed.status, 0, changed.stderr);
        assert.strictEqual(changed.stdout.trim(), missing(`${check.sha256}.sh`));
        const keys = ["console-programs", "console-redis-apply", "console-sentinel-apply"];
        const before = nextKeyedRepairs(undefined, ran.stdout, keys);
        const after = nextKeyedRepairs(before, changed.stdout, keys);
        for (const key of keys) assert.notStrictEqual(after[key], before[key], key);
        assert.strictEqual(before["console-programs"], "", "the programs step is left alone by its steps' own drift");
        // A kept removal gone (its step writes it again when it runs).
        install();
        fs.rmSync(path.join(dir, "removal", stagedSha(kept)));
        const removal = spawnSync("bash", ["-c", checks], { encoding: "utf8" });
        assert.strictEqual(removal.stdout.trim(), missing(`removal/${stagedSha(kept)}`));
        fs.rmSync(dir, { recursive: true, force: true });
        const gone = spawnSync("bash", ["-c", checks], { encoding: "utf8" });
        assert.strictEqual(gone.status, 0, gone.stderr);
        assert.strictEqual(gone.stdout.trim(), missing(held[0] ?? ""));
        // Without what the host must hold (a check alone), a check that cannot run fails the refresh.
        const alone = spawnSync("bash", ["-c", installedChecks([{ key: "console-redis-apply", check: vars("server") }])], { encoding: "utf8" });
        assert.strictEqual(alone.status, 1);
    });

    it("stages the steps' files with their secrets masked, and a step puts each back together, checked against the file's hash", () => {
        const acl = resolveClusterSpec(threeHostTopology({ clusterName: "inst", acl: { enabled: true } }));
        const files = reviewedFiles(redisStepVars(acl, acl.master, REVIEW_PASSWORD));
        const stage = (staged: typeof files) =>
            execFileSync("bash", ["-s"], { input: expandPrograms(deferredProgram("install", scratch(installVars(acl, acl.master))), Object.fromEntries(staged.map((f) => [f.path, f.text]))), encoding: "utf8" });
        assert.match(stage(files), /2 file\(s\) staged/);
        for (const f of files) {
            const file = path.join(dir, "staged", stagedSha(f.text));
            assert.strictEqual(fs.readFileSync(file, "utf8"), f.text, f.path);
            assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600, f.path);
            assert.ok(!f.text.includes(PASSWORD));
        }
        // What a step gets: the hashes and the secret lines; lib.sh's load_staged makes RH_REDIS_CONF of them.
        // A password with quotes, a command substitution and a backtick comes back as it was.
        const real = redisStepVars(acl, acl.master, "it's a 'secret' $(rm -rf /) `x` \\ ");
        const staged = stageVars(real, files) as Record<string, unknown>;
        const load = () =>
            spawnSync("bash", ["-s"], {
                input: [
                    "set -euo pipefail",
                    `RH_HOST=inst RH_PROGRAMS_DIR=${shellQuote(dir)}`,
                    ...["RH_REDIS_CONF_STAGED", "RH_REDIS_UNIT_FILE_STAGED"].map((v) => `${v}=${shellQuote(String(staged[v]))}`),
                    `source ${shellQuote(path.join(__dirname, "../../remote/lib.sh"))}`,
                    "load_staged",
                    'printf "%s\\n%s" "$RH_REDIS_CONF" "$RH_REDIS_UNIT_FILE"',
                ].join("\n"),
                encoding: "utf8",
            });
        const loaded = load();
        assert.strictEqual(loaded.status, 0, loaded.stderr);
        assert.deepStrictEqual(loaded.stdout.split("\n"), [real.RH_REDIS_CONF, real.RH_REDIS_UNIT_FILE]);
        // A staged file changed on the host: the step stops, naming the fix.
        const conf = path.join(dir, "staged", stagedSha(files[0]!.text));
        fs.appendFileSync(conf, "maxmemory 1mb\n");
        const refused = load();
        assert.strictEqual(refused.status, 1);
        assert.match(refused.stderr, /\(RH_REDIS_CONF\) is missing or changed: run pulumi up again, whose programs step stages it/);
        // The next revision's install stages its files and drops the older ones.
        assert.match(stage(files.slice(1)), /1 file\(s\) staged/);
        assert.deepStrictEqual(fs.readdirSync(path.join(dir, "staged")), [stagedSha(files[1]!.text)]);
    });

    it("a step keeps its removal's inputs on the host, and its removal runs from them with only hashes, the host and the owner on its command line", () => {
        install();
        const owner = path.join(root, "owner.server");
        const removal = { ...scratch(removalVars(spec, spec.master, "server")), RH_OWNER_FILE: owner };
        const kept = keptRemoval(removal);
        const keep = () =>
            execFileSync("bash", ["-s"], {
                input: ["set -euo pipefail", `RH_HOST=inst RH_PROGRAMS_DIR=${shellQuote(dir)} RH_KEPT_REMOVAL=${shellQuote(kept.input)}`, `source ${shellQuote(path.join(__dirname, "../../remote/lib.sh"))}`, "keep_removal"].join("\n"),
                encoding: "utf8",
            });
        keep();
        keep();
        assert.strictEqual(fs.readdirSync(path.join(dir, "removal")).length, 1);
        const command = kept.command("dynamic:inst-console-redis-apply");
        assert.ok(command.length < 1200, `${command.length} bytes`);
        assert.ok(!command.includes("RH_UNIT="), "the removal's inputs are on the host, not on its command line");
        // Another step owns the service by now (a rename): the removal read its inputs, and leaves it.
        fs.writeFileSync(owner, "command:renamed-console-redis-apply\n");
        const ran = spawnSync("bash", ["-c", command], { encoding: "utf8" });
        assert.strictEqual(ran.status, 0, ran.stderr);
        assert.match(ran.stdout, /redis-ha-inst-server\.service belongs to step command:renamed-console-redis-apply now; the removal of step dynamic:inst-console-redis-apply leaves it running/);
        // Without its inputs (a rebuilt host), it says so and removes nothing.
        fs.rmSync(path.join(dir, "removal"), { recursive: true });
        const missing = spawnSync("bash", ["-c", command], { encoding: "utf8" });
        assert.strictEqual(missing.status, 1);
        assert.match(missing.stderr, /\(what this removal removes\) is missing or changed/);
    });

    it("the programs' removal leaves them to the install step that owns them now (a rename), and removes them otherwise", () => {
        install();
        const removal = (owner: string) =>
            execFileSync("bash", ["-c", standaloneCommand("remove-programs", { ...scratch(programsRemovalVars(spec, spec.master)), RH_OWNER: owner })], { encoding: "utf8" });
        assert.match(removal("dynamic:old-name-programs"), /belongs to step dynamic:inst-programs now; the removal of step dynamic:old-name-programs keeps it/);
        assert.ok(fs.existsSync(dir));
        assert.match(removal("dynamic:inst-programs"), /removed/);
        assert.ok(!fs.existsSync(dir));
        assert.ok(!fs.existsSync(root), "the shared root, empty, is removed too");
    });
});
