import * as assert from "assert";
import { execFileSync } from "child_process";
import { resolveClusterSpec } from "../../components/config/validate";
import { authVars, checkVars, deploymentPlan, healthGateVars, hostWarnings, installVars, preflightVars, redisStepVars, removalVars, REVIEW_PASSWORD, reviewedFiles, sentinelStepVars, statusVars, switchoverVars } from "../../components/plan/steps";
import { updateCommand } from "../../components/hostStep";
import { STEP_COMMAND, shellQuote, stageVars, standaloneCommand, stepProgram } from "../../components/remote/payload";
import { threeHostTopology } from "../fixtures/topology";
import { aclCredentials, aclPasswordHash } from "../../components/config/acl";
import { ACL_RULES } from "../../components/config/defaults";
import * as crypto from "crypto";

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
        assert.strictEqual(healthGateVars(spec, "r", PASSWORD).RH_EXPECT_OTHER_SENTINELS, 2);
        assert.strictEqual(healthGateVars(spec, "r", PASSWORD).RH_EXPECT_REPLICAS, 2);
        assert.strictEqual(sentinelStepVars(spec, spec.master, PASSWORD).RH_EXPECT_REPLICAS, 2);
    });

    it("restarts for directives Redis cannot take live, and applies the others with CONFIG SET", () => {
        const restart = redisStepVars(spec, spec.master, PASSWORD).RH_RESTART_DIRECTIVES.split(" ");
        for (const d of ["port", "bind", "dir"]) assert.ok(restart.includes(d), d);
        for (const d of ["maxmemory", "appendfsync", "save", "min-replicas-to-write", "masterauth"]) assert.ok(!restart.includes(d), d);
    });

    it("never restarts for a new password: the rotation's steps set requirepass and the ACL users live", () => {
        const vars = redisStepVars(spec, spec.master, PASSWORD);
        assert.ok(!vars.RH_RESTART_DIRECTIVES.split(" ").includes("requirepass"));
        assert.deepStrictEqual(vars.RH_PASSWORD_DIRECTIVES.split(" ").sort(), ["requirepass", "user"]);
        assert.strictEqual(vars.RH_AUTH_USERS, "default");
        assert.strictEqual(sentinelStepVars(spec, spec.master, PASSWORD).RH_AUTH_USERS, "default");
    });
});

describe("password rotation (authVars)", () => {
    const sha = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

    it("runs on the gate host for every data node and sentinel, with the passwords as SHA-256 hashes only", () => {
        const vars = authVars(spec, PASSWORD, "accept");
        assert.strictEqual(vars.RH_HOST, deploymentPlan(spec).gateHost.name);
        assert.strictEqual(vars.RH_AUTH_PHASE, "accept");
        assert.strictEqual(vars.RH_DATA_ADDRESSES, "10.0.2.72:6389 10.0.2.104:6389 10.0.2.71:6389");
        assert.strictEqual(vars.RH_DATA_AUTH, `default:${sha(PASSWORD)}`);
        assert.strictEqual(vars.RH_SENTINEL_AUTH, `default:${sha(PASSWORD)}`);
        assert.strictEqual(vars.RH_MASTERAUTH_SHA256, sha(PASSWORD));
        assert.ok(!JSON.stringify(vars).includes(PASSWORD), "a password in the rotation's inputs");
        assert.strictEqual(authVars(spec, PASSWORD, "retire").RH_AUTH_PHASE, "retire");
    });

    it("accepts in the gate host's install step only, and retires in the health gate", () => {
        const gate = deploymentPlan(spec).gateHost;
        assert.strictEqual(installVars(spec, gate, PASSWORD).RH_AUTH_PHASE, "accept");
        assert.strictEqual(installVars(spec, gate, PASSWORD).RH_DATA_AUTH, `default:${sha(PASSWORD)}`);
        for (const h of spec.hosts.filter((x) => x.name !== gate.name)) assert.strictEqual(installVars(spec, h, PASSWORD).RH_AUTH_PHASE, undefined, h.name);
        assert.strictEqual(healthGateVars(spec, "r", PASSWORD).RH_AUTH_PHASE, "retire");
        assert.strictEqual(healthGateVars(spec, "r", PASSWORD).RH_HOST, gate.name);
    });

    it("with ACL users, rotates the admin, replication and Sentinel users' passwords, hashed as redis.conf holds them", () => {
        const acl = resolveClusterSpec(threeHostTopology({ acl: { enabled: true } }));
        const creds = aclCredentials(acl.acl!, PASSWORD, acl.clusterName);
        const vars = authVars(acl, PASSWORD, "accept");
        const hash = (p: string) => aclPasswordHash(p).slice(1);
        assert.strictEqual(vars.RH_DATA_AUTH, `default:${hash(PASSWORD)} redis-ha-replication:${hash(creds.replication.password)} redis-ha-sentinel:${hash(creds.sentinel.password)}`);
        assert.strictEqual(vars.RH_SENTINEL_AUTH, `default:${hash(PASSWORD)}`);
        assert.strictEqual(vars.RH_MASTERAUTH_SHA256, sha(creds.replication.password));
        assert.strictEqual(vars.RH_ACL, "yes");
        // Each user's rules, which `accept` gives it on every data node (ACL users turned on for a running cluster).
        assert.strictEqual(vars.RH_ACL_RULES, `default:${ACL_RULES.admin};redis-ha-replication:${ACL_RULES.replication};redis-ha-sentinel:${ACL_RULES.sentinel}`);
        assert.strictEqual(authVars(spec, PASSWORD, "accept").RH_ACL_RULES, undefined);
        assert.strictEqual(redisStepVars(acl, acl.master, PASSWORD).RH_AUTH_USERS, "default redis-ha-replication redis-ha-sentinel");
        for (const p of [PASSWORD, creds.replication.password, creds.sentinel.password]) assert.ok(!JSON.stringify(vars).includes(p));
    });
});

describe("hostWarnings", () => {
    it("picks the preflight's host warnings out of its output, one per line, without the prefix", () => {
        const out = "[redis-ha app-1] host warning: vm.overcommit_memory is 0, not 1: ...\n[redis-ha app-1] preflight passed: ...\n[redis-ha app-1] host warning: transparent huge pages are 'always': ...\n";
        assert.deepStrictEqual(hostWarnings(out), ["vm.overcommit_memory is 0, not 1: ...", "transparent huge pages are 'always': ..."]);
        assert.deepStrictEqual(hostWarnings("[redis-ha app-1] preflight passed\n"), []);
    });

    it("checks somaxconn against the tcp-backlog Redis will run with, on data nodes only", () => {
        assert.strictEqual(preflightVars(spec, spec.master, "r").RH_TCP_BACKLOG, "511");
        const tuned = resolveClusterSpec(threeHostTopology({ redis: { extraDirectives: { "tcp-backlog": "4096" } } }));
        assert.strictEqual(preflightVars(tuned, tuned.master, "r").RH_TCP_BACKLOG, "4096");
        const sentinelOnly = resolveClusterSpec(threeHostTopology({ master: "app-2", replicas: ["console"], sentinels: ["app-1", "app-2", "console"] }));
        assert.strictEqual(preflightVars(sentinelOnly, sentinelOnly.hosts.find((h) => h.name === "app-1")!, "r").RH_TCP_BACKLOG, "");
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
            stepProgram("health-gate", healthGateVars(spec, "rev", PASSWORD), PASSWORD),
            stepProgram("install", installVars(spec, deploymentPlan(spec).gateHost, PASSWORD), PASSWORD),
            stepProgram("preflight", preflightVars(spec, spec.master, "rev"), PASSWORD),
            stepProgram("status", statusVars(spec, spec.master), PASSWORD),
            stepProgram("switchover", switchoverVars(spec, spec.master, spec.replicas[0]), PASSWORD),
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

describe("reviewedFiles (what a host's programs step stages, and `pulumi preview --diff` shows, of a node step)", () => {
    const withAcl = resolveClusterSpec(threeHostTopology({ acl: { enabled: true } }));
    const files = (s: typeof spec, kind: "server" | "sentinel") =>
        reviewedFiles(kind === "server" ? redisStepVars(s, s.master, REVIEW_PASSWORD) : sentinelStepVars(s, s.master, REVIEW_PASSWORD));
    const lines = (s: typeof spec, kind: "server" | "sentinel") => files(s, kind).flatMap((f) => f.text.split("\n"));

    it("lists the config and the unit, with every secret masked and nothing derived from the password", () => {
        for (const s of [spec, withAcl]) {
            for (const kind of ["server", "sentinel"] as const) {
                const text = files(s, kind)
                    .map((f) => f.text)
                    .join("\n");
                assert.ok(!text.includes(REVIEW_PASSWORD), `${kind}: the stand-in password shows`);
                assert.doesNotMatch(text, /#[0-9a-f]{64}/, `${kind}: a password hash shows`);
                assert.deepStrictEqual(
                    files(s, kind).map((f) => f.path),
                    kind === "server" ? ["/etc/redis-ha/dev/redis.conf", "/etc/systemd/system/redis-ha-dev-server.service"] : ["/etc/redis-ha/dev/sentinel.conf", "/etc/systemd/system/redis-ha-dev-sentinel.service"],
                );
            }
        }
        assert.ok(lines(spec, "server").includes("requirepass (secret)"));
        assert.ok(lines(spec, "sentinel").includes("sentinel auth-pass dev (secret)"));
        assert.ok(lines(withAcl, "server").some((l) => /^user redis-ha-replication on \(secret\) /.test(l)), lines(withAcl, "server").join("\n"));
        assert.ok(lines(withAcl, "server").includes("masterauth (secret)"));
    });

    it("shows a maxmemory change as that line on the data nodes and nothing on the sentinels", () => {
        const bigger = resolveClusterSpec(threeHostTopology({ redis: { maxmemory: "512mb" } }));
        const smaller = resolveClusterSpec(threeHostTopology({ redis: { maxmemory: "256mb" } }));
        const changed = (kind: "server" | "sentinel") => {
            const before = lines(smaller, kind);
            return lines(bigger, kind).filter((l) => !before.includes(l));
        };
        assert.deepStrictEqual(changed("server"), ["maxmemory 512mb"]);
        assert.deepStrictEqual(changed("sentinel"), []);
    });

    it("a step carries, of each file, its hashes and the lines that hold secrets, never the file", () => {
        for (const s of [spec, withAcl]) {
            const vars = redisStepVars(s, s.master, PASSWORD);
            const staged = stageVars(vars, files(s, "server")) as Record<string, unknown>;
            assert.ok(!("RH_REDIS_CONF" in staged) && !("RH_REDIS_UNIT_FILE" in staged));
            const [maskedSha, realSha, ...secret] = String(staged.RH_REDIS_CONF_STAGED).split(" ");
            assert.match(`${maskedSha} ${realSha}`, /^[0-9a-f]{64} [0-9a-f]{64}$/);
            const secretLines = secret.map((w) => Buffer.from(w.slice(w.indexOf(":") + 1), "base64").toString("utf8"));
            assert.ok(secretLines.length > 0 && secretLines.every((l) => /^(requirepass|masterauth|user) /.test(l)), secretLines.join("\n"));
            // The unit holds no secret: only its hashes.
            assert.strictEqual(String(staged.RH_REDIS_UNIT_FILE_STAGED).split(" ").length, 2);
        }
    });

    it("the update command is the program's, marked with the drift repair that made it run", () => {
        const update = updateCommand("abc");
        assert.strictEqual(update, `${STEP_COMMAND} # drift repair abc`);
        assert.strictEqual(execFileSync("bash", ["-c", update.replace(STEP_COMMAND, "exec cat")], { input: "ran the program", encoding: "utf8" }), "ran the program");
        assert.strictEqual(updateCommand(""), STEP_COMMAND);
    });
});
