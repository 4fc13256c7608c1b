/**
 * What `pulumi preview --diff` shows a reviewer, per kind of change: the `files` input of each host's
 * programs step (the files the host's steps write, secrets masked, by path, as hostStep builds the
 * field from the plan), compared before and after. Each kind must show which file on which host
 * changes and its changed lines, with secrets masked, and leave every other file as it was. The
 * field is plain text known before anything runs, so it is never `[unknown]`; the steps themselves
 * show their program (stdin) as `[secret]` and their `update` unchanged (tests/unit/cluster.spec.ts).
 */
import * as assert from "assert";
import { ClusterTopologyArgs, resolveClusterSpec } from "../../components/config/validate";
import { ClusterSpec } from "../../components/config/spec";
import { clusterSteps } from "../../components/plan/clusterSteps";
import { withTlsSettings } from "../fixtures/pki";
import { threeHostTopology } from "../fixtures/topology";

/** Every programs step's `files` field, by step id (the plan's, as hostStep builds the field from it). */
function filesFields(spec: ClusterSpec): Map<string, Map<string, string>> {
    return new Map(clusterSteps(spec).flatMap((s) => (s.stages ? [[s.id, new Map(s.stages.map((f) => [f.path, f.text]))] as const] : [])));
}

/** The lines of `after` not in `before`, as "+ path: line", then the reverse as "- path: line". */
function lineDiff(file: string, before: string, after: string): string[] {
    const oldLines = before.split("\n");
    const newLines = after.split("\n");
    return [...newLines.filter((l) => !oldLines.includes(l)).map((l) => `+ ${file}: ${l}`), ...oldLines.filter((l) => !newLines.includes(l)).map((l) => `- ${file}: ${l}`)];
}

/** Per programs step whose field changed: each changed file's lines; created and deleted steps and files as such. */
function diff(before: ClusterTopologyArgs, after: ClusterTopologyArgs): Record<string, string[]> {
    const a = filesFields(resolveClusterSpec(before));
    const b = filesFields(resolveClusterSpec(after));
    const out: Record<string, string[]> = {};
    for (const [step, files] of b) {
        const old = a.get(step);
        if (old === undefined) {
            out[step] = ["(created)"];
            continue;
        }
        const lines: string[] = [];
        for (const [file, text] of files) {
            const was = old.get(file);
            if (was === undefined) lines.push(`+ ${file}`);
            else if (was !== text) lines.push(...lineDiff(file, was, text));
        }
        for (const file of old.keys()) if (!files.has(file)) lines.push(`- ${file}`);
        if (lines.length) out[step] = lines;
    }
    for (const step of a.keys()) if (!b.has(step)) out[step] = ["(deleted)"];
    return out;
}

const CONF = "/etc/redis-ha/dev/redis.conf";
const SENTINEL_CONF = "/etc/redis-ha/dev/sentinel.conf";
const UNIT = "/etc/systemd/system/redis-ha-dev-server.service";
const base = threeHostTopology();
const everyHost = ["console", "app-1", "app-2"].map((h) => `${h}-programs`);
const withFrontend = (overrides: Partial<ClusterTopologyArgs> = {}): ClusterTopologyArgs => ({
    ...base,
    hosts: [...base.hosts, { name: "lb-1", address: "10.0.2.81" }, { name: "lb-2", address: "10.0.2.82" }],
    frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100" },
    metrics: { enabled: true },
    ...overrides,
});

describe("preview --diff, per kind of change (the programs steps' files field)", () => {
    it("a live directive: that line of redis.conf on each data node's host, nothing else", () => {
        const d = diff(base, { ...base, redis: { maxmemory: "64mb" } });
        assert.deepStrictEqual(Object.keys(d).sort(), everyHost.slice().sort());
        for (const step of everyHost) assert.deepStrictEqual(d[step], [`+ ${CONF}: maxmemory 64mb`, `- ${CONF}: maxmemory 0`]);
    });

    it("a restart directive (bind): the line of that host's redis.conf and sentinel.conf, no other host", () => {
        const hosts = base.hosts.map((h) => (h.name === "app-1" ? { ...h, bind: ["10.0.2.71", "127.0.0.1"] } : h));
        const d = diff(base, { ...base, hosts });
        assert.deepStrictEqual(Object.keys(d), ["app-1-programs"]);
        assert.deepStrictEqual(d["app-1-programs"], [
            `+ ${CONF}: bind 10.0.2.71 127.0.0.1`,
            `- ${CONF}: bind 127.0.0.1 10.0.2.71`,
            `+ ${SENTINEL_CONF}: bind 10.0.2.71 127.0.0.1`,
            `- ${SENTINEL_CONF}: bind 127.0.0.1 10.0.2.71`,
        ]);
    });

    it("a unit setting (maxclients): redis.conf's line and the unit's LimitNOFILE on each data node's host, sentinel.conf unchanged", () => {
        const d = diff(base, { ...base, redis: { maxclients: 2000 } });
        assert.deepStrictEqual(Object.keys(d).sort(), everyHost.slice().sort());
        assert.deepStrictEqual(d["console-programs"], [`+ ${CONF}: maxclients 2000`, `- ${CONF}: maxclients 10000`, `+ ${UNIT}: LimitNOFILE=2032`, `- ${UNIT}: LimitNOFILE=10032`]);
    });

    it("a sentinel setting: sentinel.conf's line on each sentinel's host, no redis.conf", () => {
        const d = diff(base, { ...base, sentinel: { downAfterMilliseconds: 3000 } });
        assert.deepStrictEqual(Object.keys(d).sort(), everyHost.slice().sort());
        assert.deepStrictEqual(d["app-2-programs"], [`+ ${SENTINEL_CONF}: sentinel down-after-milliseconds dev 3000`, `- ${SENTINEL_CONF}: sentinel down-after-milliseconds dev 5000`]);
    });

    it("ACL users: the user lines of each redis.conf, their passwords masked", () => {
        const d = diff(base, { ...base, acl: { enabled: true } });
        const added = d["console-programs"] ?? [];
        assert.ok(added.some((l) => l.startsWith(`+ ${CONF}: user redis-ha-replication on (secret) `)), added.join("\n"));
        assert.ok(added.every((l) => !/#[0-9a-f]{64}|>/.test(l)), added.join("\n"));
    });

    it("a password rotation: no readable line changes (the new password is on the steps' stdin, shown as [secret])", () => {
        // The password is not part of the topology: a rotation changes no staged file at all.
        const fields = filesFields(resolveClusterSpec(base));
        for (const files of fields.values()) for (const text of files.values()) assert.ok(!text.includes("review-password-stand-in"));
        assert.match(fields.get("console-programs")?.get(CONF) ?? "", /^requirepass \(secret\)$/m);
    });

    it("TLS on: the tls-* lines of every redis.conf and sentinel.conf, the plain port off, the certificates added", () => {
        withTlsSettings(base.hosts, (tls) => {
            const d = diff(base, { ...base, tls });
            assert.deepStrictEqual(Object.keys(d).sort(), everyHost.slice().sort());
            const app1 = d["app-1-programs"] ?? [];
            assert.ok(app1.includes(`+ ${CONF}: tls-port 6389`), app1.join("\n"));
            assert.ok(app1.includes(`+ ${CONF}: port 0`), app1.join("\n"));
            assert.ok(app1.some((l) => l.startsWith(`+ ${SENTINEL_CONF}: tls-port `)), app1.join("\n"));
            assert.ok(app1.some((l) => /^\+ \/etc\/redis-ha\/dev\/tls-server\/node-.*\.crt$/.test(l)), app1.join("\n"));
        });
    });

    it("the frontend: its port in both frontends' haproxy.cfg, the checks' AUTH masked", () => {
        const d = diff(withFrontend(), withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100", port: 6395 } }));
        assert.deepStrictEqual(Object.keys(d).sort(), ["lb-1-programs", "lb-2-programs"]);
        assert.ok(d["lb-1-programs"]?.some((l) => l.startsWith("+ /etc/redis-ha/dev.frontend/haproxy.cfg: ") && l.includes("10.0.2.100:6395")), d["lb-1-programs"]?.join("\n"));
        const haproxy = filesFields(resolveClusterSpec(withFrontend())).get("lb-1-programs")?.get("/etc/redis-ha/dev.frontend/haproxy.cfg") ?? "";
        assert.match(haproxy, /\(secret\)/);
        assert.ok(!haproxy.includes(Buffer.from("review-password-stand-in").toString("hex")), "the stand-in password's hex shows");
    });

    it("an exporter: its unit's listen address on that exporter only", () => {
        const d = diff(withFrontend(), withFrontend({ metrics: { enabled: true, redisExporterPort: 9391 } }));
        assert.deepStrictEqual(Object.keys(d).sort(), everyHost.slice().sort());
        // Its unit, and its listen address among the exporter step's inputs.
        const files = new Set((d["console-programs"] ?? []).map((l) => l.slice(2, l.indexOf(": "))));
        assert.deepStrictEqual([...files], ["/etc/systemd/system/redis-ha-dev-server-exporter.service", "/var/lib/redis-ha/dev.programs/console-server-exporter-apply.inputs"]);
        assert.ok(d["console-programs"]?.includes("+ /var/lib/redis-ha/dev.programs/console-server-exporter-apply.inputs: RH_EXPORTER_LISTEN='10.0.2.104:9391'"), d["console-programs"]?.join("\n"));
        assert.ok(d["console-programs"]?.some((l) => l.startsWith("+ ") && l.includes(":9391")), d["console-programs"]?.join("\n"));
    });

    it("a host added and a host removed: that host's programs step created or deleted with its files, each whole", () => {
        const four = { ...base, hosts: [...base.hosts, { name: "app-3", address: "10.0.2.73" }], replicas: ["app-1", "app-2", "app-3"] };
        const added = diff(base, four);
        assert.deepStrictEqual(added["app-3-programs"], ["(created)"]);
        assert.deepStrictEqual(diff(four, base)["app-3-programs"], ["(deleted)"]);
        const created = filesFields(resolveClusterSpec(four)).get("app-3-programs")?.get(CONF) ?? "";
        assert.match(created, /^replicaof 10\.0\.2\.104 6389$/m);
    });

    it("an executor switch: the same fields (the steps are created anew with what they had)", () => {
        const spec = resolveClusterSpec(base);
        assert.deepStrictEqual(filesFields(spec), filesFields(resolveClusterSpec({ ...base })));
    });
});
