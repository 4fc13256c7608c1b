/**
 * Construction spec under Pulumi mocks: which children exist, their names, order and secrecy.
 * (A mocked test never stands in for the real one: tests/e2e runs the same component on the lab.)
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

void pulumi.runtime.setMocks(
    {
        newResource: (args: pulumi.runtime.MockResourceArgs) => {
            const inputs = args.inputs as Record<string, unknown>;
            registered.push({ type: args.type, name: args.name, inputs });
            // A drift check's repair marker, as its provider's `check` sets it on create.
            return { id: `${args.name}-id`, state: { ...inputs, stdout: "", stderr: "", ...(args.type.includes("ShellCommand") ? { repairs: "" } : {}) } };
        },
        call: (args: pulumi.runtime.MockCallArgs) => args.inputs as Record<string, unknown>,
    },
    "redis-ha",
    "test",
    true,
);

import { RedisHaCluster } from "../../components/redisHaCluster";
import { RedisHaConfigError } from "../../components/config/validate";
import { threeHostTopology } from "../fixtures/topology";

function outputValue<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply(resolve));
}

function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
    return pulumi.isSecret(o);
}

describe("RedisHaCluster (mocks)", () => {
    before(async () => {
        const cluster = new RedisHaCluster("dev", { ...threeHostTopology(), password: pulumi.secret("s3cret-pass"), sshPrivateKey: pulumi.secret("KEY") });
        const second = new RedisHaCluster("staging", { ...threeHostTopology({ clusterName: "staging" }), password: pulumi.secret("x-pass"), sshPrivateKey: pulumi.secret("KEY") });
        await outputValue(cluster.connection);
        await outputValue(second.connection);
        // Let the engine mock drain pending registrations.
        await new Promise((r) => setTimeout(r, 200));
    });

    it("creates a preflight per host, one data node per data host, one sentinel per sentinel host, and a health gate", () => {
        const devChildren = registered.filter((r) => r.name.startsWith("dev-"));
        const types = devChildren.map((r) => `${r.type} ${r.name}`).sort();
        // The preflights (which also check drift on refresh) are redis-ha's ShellCommands on either executor (first contact, refresh).
        assert.deepStrictEqual(types, [
            "command:remote:Command dev-app-1-redis-apply",
            "command:remote:Command dev-app-1-sentinel-apply",
            "command:remote:Command dev-app-2-redis-apply",
            "command:remote:Command dev-app-2-sentinel-apply",
            "command:remote:Command dev-console-redis-apply",
            "command:remote:Command dev-console-sentinel-apply",
            "command:remote:Command dev-health-gate",
            "pulumi-nodejs:dynamic/redis-ha:ShellCommand dev-app-1-preflight",
            "pulumi-nodejs:dynamic/redis-ha:ShellCommand dev-app-1-programs",
            "pulumi-nodejs:dynamic/redis-ha:ShellCommand dev-app-2-preflight",
            "pulumi-nodejs:dynamic/redis-ha:ShellCommand dev-app-2-programs",
            "pulumi-nodejs:dynamic/redis-ha:ShellCommand dev-console-preflight",
            "pulumi-nodejs:dynamic/redis-ha:ShellCommand dev-console-programs",
            "redis-ha:index:RedisDataNode dev-app-1-redis",
            "redis-ha:index:RedisDataNode dev-app-2-redis",
            "redis-ha:index:RedisDataNode dev-console-redis",
            "redis-ha:index:SentinelNode dev-app-1-sentinel",
            "redis-ha:index:SentinelNode dev-app-2-sentinel",
            "redis-ha:index:SentinelNode dev-console-sentinel",
        ]);
        assert.ok(registered.some((r) => r.type === "redis-ha:index:RedisHaCluster" && r.name === "dev"));
    });

    it("gives two clusters disjoint resource names", () => {
        const names = registered.map((r) => `${r.type}::${r.name}`);
        assert.strictEqual(new Set(names).size, names.length);
        assert.ok(registered.some((r) => r.name === "staging-health-gate"));
    });

    it("registers children in deployment order: preflights, programs (new passwords accepted on the gate host), replicas, master, sentinels, gate (old passwords retired first)", () => {
        const order = registered.filter((r) => r.name.startsWith("dev-") && !r.type.startsWith("redis-ha:index:")).map((r) => r.name);
        assert.deepStrictEqual(order, [
            "dev-console-preflight",
            "dev-app-1-preflight",
            "dev-app-2-preflight",
            "dev-console-programs",
            "dev-app-1-programs",
            "dev-app-2-programs",
            "dev-app-1-redis-apply",
            "dev-app-2-redis-apply",
            "dev-console-redis-apply",
            "dev-console-sentinel-apply",
            "dev-app-1-sentinel-apply",
            "dev-app-2-sentinel-apply",
            "dev-health-gate",
        ]);
    });

    it("sends programs on stdin and never puts the password on a command line", () => {
        for (const r of registered.filter((x) => x.type === "command:remote:Command")) {
            assert.strictEqual(r.inputs.create, "exec /bin/bash -s");
            const visible = JSON.stringify({ create: r.inputs.create, update: r.inputs.update, delete: r.inputs.delete, triggers: r.inputs.triggers });
            assert.ok(!visible.includes("s3cret-pass"), `${r.name} exposes the password`);
        }
    });

    it("carries each remote program once per host (the install step), and a small provider per dynamic resource", async () => {
        const libMarker = "write_if_changed() {";
        const text = async (v: unknown) => (pulumi.Output.isInstance(v) ? String(await outputValue(v)) : typeof v === "string" ? v : "");
        for (const r of registered.filter((x) => x.name.startsWith("dev-") && !x.type.startsWith("redis-ha:index:"))) {
            const carriesPrograms = r.name.endsWith("-preflight") || r.name.endsWith("-programs");
            for (const key of ["stdin", "update", "delete", "check"]) {
                const value = await text(r.inputs[key]);
                if (!carriesPrograms) assert.ok(!value.includes(libMarker), `${r.name}.${key} carries lib.sh`);
                if (key !== "stdin") assert.ok(value.length < 4096, `${r.name}.${key} is ${value.length} bytes`);
            }
            if (r.type.includes("ShellCommand")) {
                const serialized = await text(r.inputs.__provider);
                assert.ok(serialized.length > 0 && serialized.length < 4096, `${r.name} stores a provider of ${serialized.length} bytes`);
            }
        }
    });

    it("gives each host's programs step the files its steps write, secrets masked, as preview --diff shows them (tests/unit/previewDiff.spec.ts)", async () => {
        const { resolveClusterSpec } = await import("../../components/config/validate");
        const { clusterSteps } = await import("../../components/plan/clusterSteps");
        const spec = resolveClusterSpec(threeHostTopology());
        const plan = clusterSteps(spec);
        for (const host of spec.hosts) {
            const found = registered.find((r) => r.name === `dev-${host.name}-programs`);
            const files = found?.inputs.files;
            const value = pulumi.Output.isInstance(files) ? await outputValue(files) : files;
            // Each of the host's node steps: its files (secrets masked) and its plain inputs.
            const nodes = plan.filter((s) => s.host.name === host.name && s.inputsFile);
            assert.deepStrictEqual(nodes.map((s) => s.id).sort(), [`${host.name}-redis-apply`, `${host.name}-sentinel-apply`]);
            const expected = nodes.flatMap((s) => [...(s.files ?? []), s.inputsFile!]);
            assert.deepStrictEqual(value, Object.fromEntries(expected.map((f) => [f.path, f.text])), host.name);
            assert.ok(Object.values(value as Record<string, string>).every((text) => !text.includes("review-password-stand-in")), host.name);
        }
        // The node steps' update field is the bare command: what they write shows on their host's programs step.
        const update = registered.find((r) => r.name === "dev-console-redis-apply")?.inputs.update;
        assert.strictEqual(pulumi.Output.isInstance(update) ? await outputValue(update) : update, "exec /bin/bash -s");
    });

    it("keeps the program (which holds the password) secret in state", async () => {
        const { hostStep } = await import("../../components/hostStep");
        const { resolveClusterSpec } = await import("../../components/config/validate");
        const { redisStepVars } = await import("../../components/plan/steps");
        const spec = resolveClusterSpec(threeHostTopology({ clusterName: "sec" }));
        const { resource, revision } = hostStep(
            "sec-step",
            { spec, host: spec.master, sshPrivateKey: "KEY", password: "plain-input", executor: "dynamic", step: "apply-redis", vars: (pw) => redisStepVars(spec, spec.master, pw) },
            {},
        );
        const stdin = (resource as unknown as { stdin: pulumi.Output<string> }).stdin;
        assert.strictEqual(await isSecret(stdin), true);
        assert.strictEqual(await isSecret(revision), true);
        assert.ok((await outputValue(stdin)).includes("plain-input"));
    });

    it("rejects bad input before registering anything", () => {
        const before = registered.length;
        assert.throws(
            () => new RedisHaCluster("bad", { ...threeHostTopology({ quorum: 7 }), password: "x", sshPrivateKey: "k" }),
            (err: unknown) => err instanceof RedisHaConfigError && /quorum/.test(err.message),
        );
        assert.strictEqual(registered.filter((r) => r.name.startsWith("bad")).length, 0);
        assert.strictEqual(registered.length, before);
    });

    it("outputs the client connection info", async () => {
        const cluster = new RedisHaCluster("out", { ...threeHostTopology({ clusterName: "out" }), password: "plain-input-password-0123", sshPrivateKey: "k" });
        const conn = await outputValue(cluster.connection);
        assert.strictEqual(conn.masterName, "out");
        assert.deepStrictEqual(conn.sentinels.map((s) => `${s.host}:${s.port}`), ["10.0.2.104:26389", "10.0.2.71:26389", "10.0.2.72:26389"]);
        const nodes = await outputValue(cluster.nodes);
        assert.deepStrictEqual(nodes.find((n) => n.host === "console")?.roles, ["master", "sentinel"]);
    });
});
