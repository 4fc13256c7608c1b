/**
 * The plan as one pure function (components/plan/clusterSteps.ts), snapshot-tested: every step of a
 * cluster with a frontend and metrics, in registration order, with its host, program, executor,
 * ordering, what makes it run again, its removal and check, and its inputs for a fixed password
 * (long values as their size and hash, so the snapshot stays readable). tests/unit/golden/plan.json.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import { resolveClusterSpec } from "../../components/config/validate";
import { clusterSteps } from "../../components/plan/clusterSteps";
import { stageInputs, stageVars } from "../../components/remote/payload";
import { golden } from "../fixtures/golden";
import { withTlsSettings } from "../fixtures/pki";
import { threeHostTopology } from "../fixtures/topology";

const PASSWORD = "plan-snapshot-password-0123";

const short = (value: unknown) => {
    const text = String(value);
    return text.length <= 100 ? value : `<${text.length} bytes, sha256 ${crypto.createHash("sha256").update(text).digest("hex").slice(0, 12)}>`;
};
const shortAll = (o: object | undefined) => (o ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, short(v)])) : undefined);

describe("clusterSteps (the plan, pure)", () => {
    const base = threeHostTopology();
    const spec = resolveClusterSpec({
        ...base,
        hosts: [...base.hosts, { name: "lb-1", address: "10.0.2.81" }, { name: "lb-2", address: "10.0.2.82" }],
        frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100" },
        metrics: { enabled: true },
    });
    const plan = clusterSteps(spec);

    it("matches its snapshot", () => {
        const snapshot = plan.map((s) => ({
            id: s.id,
            group: s.group,
            host: s.host.name,
            program: s.program,
            executor: s.executor,
            installed: s.installed,
            after: s.after,
            rerunWith: s.rerunWith,
            tlsKey: s.tlsKey,
            inputs: shortAll(s.inputs(PASSWORD, "REVISION")),
            removal: shortAll(s.removal),
            checks: s.checks?.map((c) => ({ step: c.step, check: shortAll(c.check) })),
            hostFiles: s.hostFiles,
            files: s.files?.map((f) => ({ variable: f.variable, path: f.path, text: short(f.text) })),
            inputsFile: s.inputsFile ? { path: s.inputsFile.path, names: s.inputsFile.names.length, text: short(s.inputsFile.text) } : undefined,
            stages: s.stages?.map((f) => f.path),
        }));
        golden("plan.json", `${JSON.stringify(snapshot, null, 2)}\n`);
    });

    it("stages only what names no secret: every node step's plain inputs are the same for any password, with ACL users, TLS, a frontend and exporters", () => {
        withTlsSettings(base.hosts, (tls) => {
            for (const s of [spec, resolveClusterSpec({ ...base, acl: { enabled: true }, tls }), resolveClusterSpec({ ...base, acl: { enabled: true }, metrics: { enabled: true } })]) {
                for (const step of clusterSteps(s).filter((x) => x.inputsFile)) {
                    const vars = stageInputs(stageVars(step.inputs(PASSWORD, "REVISION"), step.files ?? []), step.inputsFile) as Record<string, unknown>;
                    assert.match(String(vars.RH_STAGED_INPUTS), /^[0-9a-f]{64}$/, step.id);
                    const text = step.inputsFile!.text;
                    assert.ok(!text.includes(PASSWORD) && !text.includes("review-password-stand-in"), step.id);
                    assert.doesNotMatch(text, /#[0-9a-f]{64}|PRIVATE KEY/, step.id);
                    // What stays on stdin: where the host finds the rest, the staged files' hashes and secret lines, the secrets.
                    assert.deepStrictEqual(
                        Object.keys(vars).filter((k) => !/_STAGED$/.test(k)).sort(),
                        ["RH_HOST", "RH_PROGRAMS_DIR", "RH_STAGED_INPUTS", ...(step.program === "apply-exporter" ? ["RH_EXPORTER_PASSWORD"] : [])].sort(),
                        step.id,
                    );
                }
            }
        });
    });

    it("orders every step after steps registered before it, and names only steps or groups it has", () => {
        const seen = new Set<string>();
        for (const step of plan) {
            for (const id of step.after) assert.ok(seen.has(id), `${step.id} runs after ${id}, which is not registered before it`);
            seen.add(step.group?.id ?? step.id);
        }
        const ids = plan.map((s) => s.id);
        assert.strictEqual(new Set(ids).size, ids.length);
        assert.deepStrictEqual(ids.slice(0, 5), ["console-preflight", "app-1-preflight", "app-2-preflight", "lb-1-preflight", "lb-2-preflight"]);
        assert.strictEqual(ids.at(-1), "health-gate");
    });

    it("runs only the preflight and the install with their programs, both on redis-ha's executor", () => {
        for (const step of plan) {
            assert.strictEqual(step.installed, !["preflight", "install"].includes(step.program), step.id);
            if (!step.installed) assert.strictEqual(step.executor, "dynamic", step.id);
        }
    });
});
