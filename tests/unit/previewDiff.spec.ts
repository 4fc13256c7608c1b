/**
 * What `pulumi preview --diff` shows a reviewer, per kind of change: the `update` input of each step
 * (updateCommand with the planned step's review text, as hostStep builds it), compared before and after.
 * Each kind must show which file on which host changes and its changed lines, with secrets masked,
 * and leave every other step's field as it was. The field is plain text known before anything runs
 * (the drift check's marker included, tests/unit/shellProvider.spec.ts), so it is never `[unknown]`.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterTopologyArgs, resolveClusterSpec } from "../../components/config/validate";
import { ClusterSpec } from "../../components/config/spec";
import { clusterSteps } from "../../components/plan/clusterSteps";
import { updateCommand } from "../../components/hostStep";
import { makePki } from "../fixtures/pki";
import { threeHostTopology } from "../fixtures/topology";

/** Every step's `update` field, by step id (the plan's, as hostStep builds the field from it). */
function updateFields(spec: ClusterSpec): Map<string, string> {
    return new Map(clusterSteps(spec).filter((s) => s.review !== undefined).map((s) => [s.id, updateCommand("", s.review)]));
}

/** Per step whose field changed: the lines added and removed ("+ line" / "- line"); created and deleted steps as such. */
function diff(before: ClusterTopologyArgs, after: ClusterTopologyArgs): Record<string, string[]> {
    const a = updateFields(resolveClusterSpec(before));
    const b = updateFields(resolveClusterSpec(after));
    const out: Record<string, string[]> = {};
    for (const [step, field] of b) {
        const old = a.get(step);
        if (old === undefined) {
            out[step] = ["(created)"];
            continue;
        }
        if (old === field) continue;
        const oldLines = old.split("\n");
        const newLines = field.split("\n");
        out[step] = [...newLines.filter((l) => !oldLines.includes(l)).map((l) => `+ ${l}`), ...oldLines.filter((l) => !newLines.includes(l)).map((l) => `- ${l}`)];
    }
    for (const step of a.keys()) if (!b.has(step)) out[step] = ["(deleted)"];
    return out;
}

const base = threeHostTopology();
const everyNode = (prefix: "redis" | "sentinel") => ["console", "app-1", "app-2"].map((h) => `${h}-${prefix}-apply`);
const withFrontend = (overrides: Partial<ClusterTopologyArgs> = {}): ClusterTopologyArgs => ({
    ...base,
    hosts: [...base.hosts, { name: "lb-1", address: "10.0.2.81" }, { name: "lb-2", address: "10.0.2.82" }],
    frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100" },
    metrics: { enabled: true },
    ...overrides,
});

describe("preview --diff, per kind of change (the steps' update field)", () => {
    it("a live directive: that line on each data node, nothing else", () => {
        const d = diff(base, { ...base, redis: { maxmemory: "64mb" } });
        assert.deepStrictEqual(Object.keys(d).sort(), everyNode("redis").sort());
        for (const step of everyNode("redis")) assert.deepStrictEqual(d[step], ["+ # maxmemory 64mb", "- # maxmemory 0"]);
    });

    it("a restart directive (bind): the line on that host's data node and sentinel, no other host", () => {
        const hosts = base.hosts.map((h) => (h.name === "app-1" ? { ...h, bind: ["10.0.2.71", "127.0.0.1"] } : h));
        const d = diff(base, { ...base, hosts });
        assert.deepStrictEqual(Object.keys(d).sort(), ["app-1-redis-apply", "app-1-sentinel-apply"]);
        assert.deepStrictEqual(d["app-1-redis-apply"], ["+ # bind 10.0.2.71 127.0.0.1", "- # bind 127.0.0.1 10.0.2.71"]);
        assert.deepStrictEqual(d["app-1-sentinel-apply"], ["+ # bind 10.0.2.71 127.0.0.1", "- # bind 127.0.0.1 10.0.2.71"]);
    });

    it("a unit setting (maxclients): redis.conf's line and the unit's LimitNOFILE on each data node, the sentinels unchanged", () => {
        const d = diff(base, { ...base, redis: { maxclients: 2000 } });
        assert.deepStrictEqual(Object.keys(d).sort(), everyNode("redis").sort());
        assert.deepStrictEqual(d["console-redis-apply"], ["+ # maxclients 2000", "+ # LimitNOFILE=2032", "- # maxclients 10000", "- # LimitNOFILE=10032"]);
    });

    it("a sentinel setting: sentinel.conf's line on each sentinel, no data node", () => {
        const d = diff(base, { ...base, sentinel: { downAfterMilliseconds: 3000 } });
        assert.deepStrictEqual(Object.keys(d).sort(), everyNode("sentinel").sort());
        assert.deepStrictEqual(d["app-2-sentinel-apply"], ["+ # sentinel down-after-milliseconds dev 3000", "- # sentinel down-after-milliseconds dev 5000"]);
    });

    it("ACL users: the user lines on each data node, their passwords masked", () => {
        const d = diff(base, { ...base, acl: { enabled: true } });
        const added = d["console-redis-apply"] ?? [];
        assert.ok(added.some((l) => /^\+ # user redis-ha-replication on \(secret\) /.test(l)), added.join("\n"));
        assert.ok(added.every((l) => !/#[0-9a-f]{64}|>/.test(l.replace(/^[+-] # /, ""))), added.join("\n"));
    });

    it("a password rotation: no readable line changes (the new password is on stdin, shown as [secret])", () => {
        // The password is not part of the topology: a rotation changes no review at all.
        const spec = resolveClusterSpec(base);
        const fields = updateFields(spec);
        for (const field of fields.values()) assert.ok(!field.includes("review-password-stand-in"));
        assert.ok((fields.get("console-redis-apply") ?? "").includes("# requirepass (secret)"));
    });

    it("TLS on: the tls-* lines on every data node and sentinel, the plain port off", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-diff-pki-"));
        try {
            const pki = makePki(dir, base.hosts.map((h) => ({ name: h.name, address: h.address })));
            const read = (f: string) => fs.readFileSync(f, "utf8");
            const tls = { caCert: read(pki.caCertFile), certificates: Object.fromEntries(base.hosts.map((h) => [h.name, read(pki.hosts[h.name]!.certFile)])) };
            const d = diff(base, { ...base, tls });
            assert.deepStrictEqual(Object.keys(d).sort(), [...everyNode("redis"), ...everyNode("sentinel")].sort());
            assert.ok(d["app-1-redis-apply"]?.includes("+ # tls-port 6389"), d["app-1-redis-apply"]?.join("\n"));
            assert.ok(d["app-1-redis-apply"]?.includes("+ # port 0"), d["app-1-redis-apply"]?.join("\n"));
            assert.ok(d["app-1-sentinel-apply"]?.some((l) => l.startsWith("+ # tls-port ")), d["app-1-sentinel-apply"]?.join("\n"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the frontend: its port on both frontends' haproxy.cfg, the checks' AUTH masked", () => {
        const d = diff(withFrontend(), withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100", port: 6395 } }));
        assert.deepStrictEqual(Object.keys(d).sort(), ["lb-1-frontend-apply", "lb-2-frontend-apply"]);
        assert.ok(d["lb-1-frontend-apply"]?.some((l) => l.startsWith("+ # ") && l.includes("10.0.2.100:6395")), d["lb-1-frontend-apply"]?.join("\n"));
        const field = updateFields(resolveClusterSpec(withFrontend())).get("lb-1-frontend-apply") ?? "";
        assert.match(field, /^# \/etc\/redis-ha\/dev\.frontend\/haproxy\.cfg:$/m);
        assert.match(field, /\(secret\)/);
        assert.ok(!field.includes(Buffer.from("review-password-stand-in").toString("hex")), "the stand-in password's hex shows");
    });

    it("an exporter: its unit's listen address on that exporter only", () => {
        const d = diff(withFrontend(), withFrontend({ metrics: { enabled: true, redisExporterPort: 9391 } }));
        assert.deepStrictEqual(Object.keys(d).sort(), ["app-1-server-exporter-apply", "app-2-server-exporter-apply", "console-server-exporter-apply"]);
        assert.ok(d["console-server-exporter-apply"]?.some((l) => l.startsWith("+ # ") && l.includes(":9391")), d["console-server-exporter-apply"]?.join("\n"));
    });

    it("a host added and a host removed: that host's steps created or deleted, each whole", () => {
        const four = { ...base, hosts: [...base.hosts, { name: "app-3", address: "10.0.2.73" }], replicas: ["app-1", "app-2", "app-3"] };
        const added = diff(base, four);
        assert.deepStrictEqual(added["app-3-redis-apply"], ["(created)"]);
        assert.deepStrictEqual(diff(four, base)["app-3-redis-apply"], ["(deleted)"]);
        const created = updateFields(resolveClusterSpec(four)).get("app-3-redis-apply") ?? "";
        assert.match(created, /^# \/etc\/redis-ha\/dev\/redis\.conf:$/m);
        assert.match(created, /^# replicaof 10\.0\.2\.104 6389$/m);
    });

    it("an executor switch: the same fields (the steps are created anew with what they had)", () => {
        const spec = resolveClusterSpec(base);
        assert.deepStrictEqual(updateFields(spec), updateFields(resolveClusterSpec({ ...base })));
    });
});
