/**
 * What `bash scripts/lab.sh` decides without a lab: when it repairs, that it never calls a cluster
 * healthy without having looked after the last update, which executor a re-run keeps, and where the
 * operator commands find the CLI. The real runs are tests/e2e/labCommand.e2e.spec.ts.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { convergeHealthy } from "../../lab/converge";
import { labExecutor } from "../../lab/automation";
import { withProjectToolchain } from "../../ops/cli";

/** A scripted lab: each `up` returns its index; `health[i]` is what is wrong after up number i. */
function scripted(health: string[][]) {
    const calls: string[] = [];
    const said: string[] = [];
    let ups = 0;
    return {
        calls,
        said,
        steps: {
            up: (refresh: boolean) => {
                calls.push(refresh ? "up --refresh" : "up");
                return Promise.resolve(ups++);
            },
            problems: (result: number) => {
                calls.push(`look after up ${result}`);
                return Promise.resolve(health[result] ?? []);
            },
            say: (line: string) => said.push(line),
        },
    };
}

describe("lab.sh: deploy, look, repair once", () => {
    it("a healthy cluster: one up, looked at, no repair", async () => {
        const lab = scripted([[]]);
        assert.strictEqual(await convergeHealthy("lab", lab.steps, "STATUS"), 0);
        assert.deepStrictEqual(lab.calls, ["up", "look after up 0"]);
        assert.deepStrictEqual(lab.said, []);
    });

    it("a dead cluster: says what is wrong and that `pulumi up --refresh` repairs it, runs it, and looks again", async () => {
        const lab = scripted([["sentinel 10.0.0.1:26389 does not answer"], []]);
        assert.strictEqual(await convergeHealthy("lab", lab.steps, "STATUS"), 1);
        assert.deepStrictEqual(lab.calls, ["up", "look after up 0", "up --refresh", "look after up 1"]);
        assert.strictEqual(lab.said.length, 1);
        assert.match(lab.said[0]!, /cluster lab is not healthy:\n {2}- sentinel 10\.0\.0\.1:26389 does not answer\n.*repairing it with `pulumi up --refresh`/);
    });

    it("still not healthy after the repair: fails naming the problems, the status command and the way out; never returns", async () => {
        const lab = scripted([["no sentinel names a master"], ["master 10.0.0.1:6389 has 1 replica(s) online, expected 2"]]);
        await assert.rejects(convergeHealthy("lab", lab.steps, "npm run -s ops -- status -s lab"), (err: Error) => {
            assert.match(err.message, /^cluster lab is still not healthy after `pulumi up --refresh`:\n {2}- master 10\.0\.0\.1:6389 has 1 replica\(s\) online, expected 2\n/);
            assert.match(err.message, /npm run -s ops -- status -s lab/);
            assert.match(err.message, /bash scripts\/lab\.sh down/);
            assert.doesNotMatch(err.message, /up and healthy/);
            return true;
        });
        assert.deepStrictEqual(lab.calls, ["up", "look after up 0", "up --refresh", "look after up 1"]);
    });

    it("an update that fails is not looked past: its error, no repair", async () => {
        const calls: string[] = [];
        const steps = {
            up: () => {
                calls.push("up");
                return Promise.reject(new Error("lab-2 cannot be reached"));
            },
            problems: () => Promise.resolve([]),
            say: () => undefined,
        };
        await assert.rejects(convergeHealthy("lab", steps, "STATUS"), /lab-2 cannot be reached/);
        assert.deepStrictEqual(calls, ["up"]);
    });
});

describe("lab.sh: the executor of a re-run", () => {
    it("keeps the executor the cluster was deployed with when this machine would pick another", () => {
        assert.deepStrictEqual(labExecutor("dynamic", "command", undefined), { executor: "dynamic", kept: true });
        assert.deepStrictEqual(labExecutor("command", "dynamic", undefined), { executor: "command", kept: true });
    });
    it("takes this machine's pick for a new lab or when it is the same", () => {
        assert.deepStrictEqual(labExecutor(undefined, "command", undefined), { executor: "command", kept: false });
        assert.deepStrictEqual(labExecutor("dynamic", "dynamic", undefined), { executor: "dynamic", kept: false });
    });
    it("switches when REDIS_HA_EXECUTOR asks, and ignores a value that names no executor", () => {
        assert.deepStrictEqual(labExecutor("dynamic", "command", "command"), { executor: "command", kept: false });
        assert.deepStrictEqual(labExecutor("dynamic", "command", "ansible"), { executor: "dynamic", kept: true });
    });
});

describe("the operator commands find the project's Pulumi CLI", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-ops-"));
    const bin = path.join(root, ".redis-ha", "bin");
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-path-"));
    before(() => {
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
        fs.writeFileSync(path.join(elsewhere, "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
    });
    after(() => {
        fs.rmSync(root, { recursive: true, force: true });
        fs.rmSync(elsewhere, { recursive: true, force: true });
    });

    it("puts the checkout's .redis-ha/bin on PATH when no `pulumi` is there", () => {
        const env: NodeJS.ProcessEnv = { PATH: "/usr/bin:/bin" };
        withProjectToolchain(env, root);
        assert.strictEqual(env.PATH, `${bin}:/usr/bin:/bin`);
    });
    it("leaves PATH alone when it has a `pulumi`, or when the package has no toolchain (an installed package)", () => {
        const env: NodeJS.ProcessEnv = { PATH: `${elsewhere}:/usr/bin` };
        withProjectToolchain(env, root);
        assert.strictEqual(env.PATH, `${elsewhere}:/usr/bin`);
        const bare: NodeJS.ProcessEnv = { PATH: "/usr/bin:/bin" };
        withProjectToolchain(bare, elsewhere);
        assert.strictEqual(bare.PATH, "/usr/bin:/bin");
    });
});
