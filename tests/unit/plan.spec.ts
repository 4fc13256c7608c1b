import * as assert from "assert";
import { execFileSync } from "child_process";
import { resolveClusterSpec } from "../../components/config/validate";
import { checkVars, deploymentPlan, healthGateVars, preflightVars, redisStepVars, removalVars, sentinelStepVars } from "../../components/plan/steps";
import { STEP_COMMAND, shellQuote, standaloneCommand, stepProgram } from "../../components/remote/payload";
import { threeHostTopology } from "../fixtures/topology";

const spec = resolveClusterSpec(threeHostTopology({ master: "app-2", replicas: ["console", "app-1"], sentinels: ["app-1", "app-2", "console"] }));
const PASSWORD = "it's a 'secret' $(rm -rf /) `x`";

describe("deploymentPlan", () => {
    it("updates the replicas one at a time, the master last, then the sentinels in the order given", () => {
        const plan = deploymentPlan(spec);
        assert.deepStrictEqual(plan.dataNodes.map((h) => h.name), ["console", "app-1", "app-2"]);
        assert.deepStrictEqual(plan.sentinels.map((h) => h.name), ["app-1", "app-2", "console"]);
        assert.strictEqual(plan.gateHost.name, "app-1");
    });

    it("gives every host with a role a preflight that checks exactly the ports of its roles", () => {
        const split = resolveClusterSpec(
            threeHostTopology({ master: "app-2", replicas: ["console"], sentinels: ["app-1", "app-2", "console"] }),
        );
        const ports = Object.fromEntries(deploymentPlan(split).hosts.map((h) => [h.name, preflightVars(split, h, "r").RH_PORTS]));
        assert.deepStrictEqual(ports, {
            console: "6389:redis-ha-dev-server.service 26389:redis-ha-dev-sentinel.service",
            "app-1": "26389:redis-ha-dev-sentinel.service",
            "app-2": "6389:redis-ha-dev-server.service 26389:redis-ha-dev-sentinel.service",
        });
    });

    it("expects the gate to see every replica and sentinel", () => {
        assert.strictEqual(healthGateVars(spec, "r").RH_EXPECT_OTHER_SENTINELS, 2);
        assert.strictEqual(healthGateVars(spec, "r").RH_EXPECT_REPLICAS, 2);
        assert.strictEqual(sentinelStepVars(spec, spec.master, PASSWORD).RH_EXPECT_REPLICAS, 2);
    });

    it("restarts for directives Redis cannot take live, and applies the others with CONFIG SET", () => {
        const restart = String(redisStepVars(spec, spec.master, PASSWORD).RH_RESTART_DIRECTIVES).split(" ");
        for (const d of ["port", "bind", "dir", "requirepass"]) assert.ok(restart.includes(d), d);
        for (const d of ["maxmemory", "appendfsync", "save", "min-replicas-to-write"]) assert.ok(!restart.includes(d), d);
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
            stepProgram("apply-sentinel", sentinelStepVars(spec, spec.master, PASSWORD), PASSWORD),
            stepProgram("health-gate", healthGateVars(spec, "rev"), PASSWORD),
            stepProgram("preflight", preflightVars(spec, spec.master, "rev"), PASSWORD),
        ];
        for (const program of programs) {
            execFileSync("bash", ["-n"], { input: program });
            assert.match(program, /^__redis_ha_step\(\) \{/);
            assert.match(program, /\n__redis_ha_step <\/dev\/null\n$/);
            // The password reaches redis-cli through the environment, set inside the program: exactly once, quoted.
            assert.strictEqual(program.split(shellQuote(PASSWORD)).length - 1, 1, "the password appears once in the program text");
            assert.ok(program.includes(`export REDISCLI_AUTH=${shellQuote(PASSWORD)}\n`));
        }
        // The data node's and sentinel's configs (base64 in the program) carry it too, as requirepass.
        const conf = (vars: Record<string, string | number>, key: string) => Buffer.from(String(vars[key]), "base64").toString("utf8");
        assert.match(conf(redisStepVars(spec, spec.master, PASSWORD), "RH_REDIS_CONF"), /^requirepass .*'secret' \$\(rm -rf \/\)/m);
        assert.match(conf(sentinelStepVars(spec, spec.master, PASSWORD), "RH_SENTINEL_CONF"), /^requirepass .*'secret' \$\(rm -rf \/\)/m);
        // What runs the program is a fixed command line: it never carries the password.
        assert.strictEqual(STEP_COMMAND, "exec /bin/bash -s");
    });

    it("removal and drift-check commands are self-contained, valid and carry no secret", () => {
        for (const kind of ["server", "sentinel"] as const) {
            for (const cmd of [standaloneCommand("remove", removalVars(spec, spec.master, kind)), standaloneCommand("check", checkVars(spec, spec.master, kind))]) {
                execFileSync("bash", ["-n"], { input: cmd });
                assert.ok(!cmd.includes(PASSWORD));
                assert.match(cmd, new RegExp(`RH_UNIT='redis-ha-dev-${kind}.service'`));
            }
        }
    });
});
