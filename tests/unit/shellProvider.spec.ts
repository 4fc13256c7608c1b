/**
 * ShellCommand's provider (components/exec/shellProvider.ts), called as the engine calls it, on this
 * machine (no connection: local bash): the drift check's repair marker, which a step's `update`
 * carries, stays the same until a refresh finds drift and is known before anything runs (it is an
 * input `check` sets), so a preview never shows `[unknown]` for it. And the provider each resource
 * stores is small: it loads the implementation from the package.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import requireFromString from "require-from-string";
import { ShellInputs, ShellOutputs, nextRepairs, shellProvider } from "../../components/exec/shellProvider";
import { providerModule } from "../../components/exec/shellCommand";

const provider = shellProvider as Required<pulumi.dynamic.ResourceProvider>;

describe("ShellCommand's provider: drift and the repair marker", () => {
    const checkInputs = async (olds: ShellInputs, news: ShellInputs) => (await provider.check(olds, news)).inputs as ShellInputs;

    it("a new check starts with an empty marker, set by `check` (the program never sets it)", async () => {
        const inputs = await checkInputs({}, { check: "true", repairs: "from the program", drift: "from the program" });
        assert.strictEqual(inputs.repairs, "");
        assert.strictEqual(inputs.drift, undefined);
        // A step (no check) carries no marker.
        assert.strictEqual((await checkInputs({}, { create: "true" })).repairs, undefined);
    });

    it("keeps the marker when the check's own inputs change without drift (a unit change), and makes a new one after drift", async () => {
        const created = await provider.create(await checkInputs({}, { check: "true" }));
        const state = created.outs as ShellOutputs;
        // The check's command changed (what it compares against), nothing drifted: same marker.
        assert.strictEqual((await checkInputs(state, { check: "echo other" })).repairs, "");
        // A refresh that finds the host matching records nothing, and leaves the stored inputs as they are (stdin included).
        const clean = await provider.read(created.id, { ...state, check: "true" });
        assert.strictEqual((clean.props as ShellOutputs).drift, undefined);
        assert.strictEqual(clean.inputs, undefined);
        // A refresh that finds drift records it in the outputs and the inputs ...
        const drifted = await provider.read(created.id, { ...state, check: "echo 'redis.conf: maxmemory changed outside redis-ha'" });
        assert.strictEqual((drifted.props as ShellOutputs).drift, "redis.conf: maxmemory changed outside redis-ha");
        const refreshedInputs = drifted.inputs as ShellInputs;
        assert.strictEqual(refreshedInputs.drift, "redis.conf: maxmemory changed outside redis-ha");
        // ... so the next check derives a new marker from it: known at preview, the same at up.
        const repaired = await checkInputs(refreshedInputs, { check: refreshedInputs.check });
        assert.strictEqual(repaired.repairs, nextRepairs("", "redis.conf: maxmemory changed outside redis-ha"));
        assert.match(repaired.repairs ?? "", /^[0-9a-f]{16}$/);
        assert.strictEqual((await checkInputs(refreshedInputs, { check: refreshedInputs.check })).repairs, repaired.repairs);
        assert.strictEqual((await provider.diff(created.id, drifted.props as ShellOutputs, repaired)).changes, true);
        // Once updated, the drift is gone and the marker stays.
        const updated = (await provider.update(created.id, drifted.props as ShellOutputs, repaired)).outs as ShellOutputs;
        assert.strictEqual(updated.drift, undefined);
        assert.strictEqual((await checkInputs(repaired, { check: repaired.check })).repairs, repaired.repairs);
        assert.strictEqual((await provider.diff(created.id, updated, repaired)).changes, false);
    });

    it("a host's preflight keeps a marker per step it checks: one step's drift changes only that step's marker", async () => {
        const repairKeys = ["app-1-redis-apply", "app-1-sentinel-apply"];
        const check = "printf 'app-1-sentinel-apply: sentinel.conf: down-after-milliseconds changed outside redis-ha\\n'";
        const inputs = await checkInputs({}, { create: "true", stdin: "the preflight", check: "true", repairKeys });
        assert.deepStrictEqual(inputs.repairs, { "app-1-redis-apply": "", "app-1-sentinel-apply": "" });
        const created = await provider.create(inputs);
        const drifted = await provider.read(created.id, { ...(created.outs as ShellOutputs), check });
        const refreshed = drifted.inputs as ShellInputs;
        assert.strictEqual(refreshed.drift, "app-1-sentinel-apply: sentinel.conf: down-after-milliseconds changed outside redis-ha");
        const repaired = await checkInputs(refreshed, { create: "true", stdin: "the preflight", check, repairKeys });
        const markers = repaired.repairs as Record<string, string>;
        assert.strictEqual(markers["app-1-redis-apply"], "");
        assert.match(markers["app-1-sentinel-apply"] ?? "", /^[0-9a-f]{16}$/);
        // A line with no key (an error of the check itself) counts for every step.
        const both = await checkInputs({ ...refreshed, drift: "cannot read the unit" }, { create: "true", check, repairKeys });
        assert.ok(Object.values(both.repairs as Record<string, string>).every((m) => /^[0-9a-f]{16}$/.test(m)), JSON.stringify(both.repairs));
        // After drift was recorded, a clean refresh clears it from the inputs too.
        const cleaned = await provider.read(created.id, { ...(drifted.props as ShellOutputs), check: "true" });
        assert.strictEqual((cleaned.inputs as ShellInputs).drift, undefined);
    });

    it("keeps only a digest of stdin", async () => {
        const state = (await provider.create({ create: "cat >/dev/null; echo ran", stdin: "secret program" })).outs as ShellOutputs;
        assert.strictEqual(state.stdout.trim(), "ran");
        assert.ok(!JSON.stringify(state).includes("secret program"));
        assert.match(state.stdinSha256 ?? "", /^[0-9a-f]{64}$/);
    });
});

describe("ShellCommand's stored provider (providerModule)", () => {
    // Loaded as the `pulumi-nodejs` provider loads `__provider`: require-from-string, then handler().
    const load = (text: string) => (requireFromString(text) as { handler: () => pulumi.dynamic.ResourceProvider }).handler();

    it("is a few hundred bytes that load the package's implementation", async () => {
        const text = providerModule();
        assert.ok(text.length < 600, `${text.length} bytes`);
        const loaded = load(text);
        for (const method of ["check", "diff", "create", "update", "read", "delete"] as const) assert.strictEqual(typeof loaded[method], "function", method);
        const created = await loaded.create({ create: "echo from-the-stored-provider" });
        assert.strictEqual((created.outs as ShellOutputs).stdout, "from-the-stored-provider\n");
    });

    it("finds the package from the engine's working directory when it moved, and names the fix when it is not built", () => {
        // This checkout (its built bin/) is the working directory of the test run.
        assert.strictEqual(typeof load(providerModule("/nowhere/shellProvider.js")).create, "function");
        const cwd = process.cwd();
        try {
            process.chdir("/");
            assert.throws(() => load(providerModule("/nowhere/shellProvider.js")), /redis-ha's SSH executor is not built: none of \/nowhere\/shellProvider\.js, .* exists\. Run `npm ci`/);
        } finally {
            process.chdir(cwd);
        }
    });
});
