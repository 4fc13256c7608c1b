import * as assert from "assert";
import { execFileSync } from "child_process";
import { resolveClusterSpec } from "../../components/config/validate";
import { deploymentPlan, healthGateVars, redisStepVars, removalVars, sentinelStepVars } from "../../components/plan/steps";
import { STEP_COMMAND, removalCommand, shellQuote, stepProgram } from "../../components/remote/payload";
import { threeHostTopology } from "../fixtures/topology";

const spec = resolveClusterSpec(threeHostTopology({ master: "app-2", replicas: ["console", "app-1"], sentinels: ["app-1", "app-2", "console"] }));
const PASSWORD = "it's a 'secret' $(rm -rf /) `x`";

describe("deploymentPlan", () => {
    it("starts the master, then the replicas, then the sentinels in the order given", () => {
        const plan = deploymentPlan(spec);
        assert.deepStrictEqual(plan.dataNodes.map((h) => h.name), ["app-2", "console", "app-1"]);
        assert.deepStrictEqual(plan.sentinels.map((h) => h.name), ["app-1", "app-2", "console"]);
        assert.strictEqual(plan.gateHost.name, "app-1");
    });

    it("expects each sentinel to meet only those started before it, and the gate to see all", () => {
        const vars = spec.sentinels.map((h, i) => sentinelStepVars(spec, h, i, PASSWORD).RH_EXPECT_OTHER_SENTINELS);
        assert.deepStrictEqual(vars, [0, 1, 2]);
        assert.strictEqual(healthGateVars(spec, "r").RH_EXPECT_OTHER_SENTINELS, 2);
        assert.strictEqual(healthGateVars(spec, "r").RH_EXPECT_REPLICAS, 2);
    });
});

describe("remote programs", () => {
    it("quote any value literally for bash", () => {
        const out = execFileSync("bash", ["-c", `printf %s ${shellQuote(PASSWORD)}`]).toString();
        assert.strictEqual(out, PASSWORD);
    });

    it("are valid bash and carry the password only inside the program text", () => {
        const programs = [
            stepProgram("apply-redis", redisStepVars(spec, spec.master, PASSWORD), PASSWORD),
            stepProgram("apply-sentinel", sentinelStepVars(spec, spec.master, 0, PASSWORD), PASSWORD),
            stepProgram("health-gate", healthGateVars(spec, "rev"), PASSWORD),
        ];
        for (const program of programs) {
            execFileSync("bash", ["-n"], { input: program });
            assert.match(program, /^__redis_ha_step\(\) \{/);
            assert.match(program, /\n__redis_ha_step <\/dev\/null\n$/);
        }
        assert.ok(!STEP_COMMAND.includes(PASSWORD));
    });

    it("removal commands are self-contained, valid and carry no secret", () => {
        const cmd = removalCommand(removalVars(spec, spec.master, "server"));
        execFileSync("bash", ["-n"], { input: cmd });
        assert.ok(!cmd.includes(PASSWORD));
        assert.match(cmd, /RH_UNIT='redis-ha-dev-server.service'/);
    });
});
