import * as assert from "assert";
import { RedisHaConfigError, resolveClusterSpec } from "../../components/config/validate";
import { defaultVirtualRouterId } from "../../components/config/frontend";
import { INTERFACE_PLACEHOLDER, renderExporterPasswordFile, renderExporterUnit, renderHaproxyConf, renderHaproxyUnit, renderKeepalivedConf, renderKeepalivedUnit, respCommand } from "../../components/render/frontend";
import { deploymentPlan, exporterRemovalVars, frontendRemovalVars, preflightVars } from "../../components/plan/steps";
import { clientConnectionInfo, nodeRoles, scrapeTargets } from "../../components/redisHaCluster";
import { ClusterTopologyArgs } from "../../components/config/validate";
import { threeHostTopology } from "../fixtures/topology";
import { golden } from "../fixtures/golden";
import { HostReport, summarizeStatus } from "../../ops/status";

const PASSWORD = 'p@ss "word" \\ with spaces';

/** Seed 001's layout: three data hosts with sentinels, two frontend hosts. */
function withFrontend(overrides: Partial<ClusterTopologyArgs> = {}): ClusterTopologyArgs {
    const base = threeHostTopology();
    return { ...base, hosts: [...base.hosts, { name: "lb-1", address: "10.0.2.81" }, { name: "lb-2", address: "10.0.2.82" }], frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100" }, metrics: { enabled: true }, ...overrides };
}


function problemsOf(args: ClusterTopologyArgs): string[] {
    try {
        resolveClusterSpec(args);
    } catch (err) {
        assert.ok(err instanceof RedisHaConfigError);
        return err.problems.map((p) => `${p.field}: ${p.problem}. Fix: ${p.fix}`);
    }
    return [];
}

const spec = resolveClusterSpec(withFrontend());
const lb1 = spec.hosts.find((h) => h.name === "lb-1")!;
const lb2 = spec.hosts.find((h) => h.name === "lb-2")!;
const consoleHost = spec.hosts[0]!;

describe("frontend and metrics: validation", () => {
    it("applies the defaults: port 6390, /32, a router id from the cluster name, exporters on 9389/9390 scraped from ipAllowList", () => {
        assert.deepStrictEqual({ ...spec.frontend, hosts: spec.frontend?.hosts.map((h) => h.name) }, { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100", vipPrefixLength: 32, port: 6390, interface: undefined, virtualRouterId: defaultVirtualRouterId("dev") });
        assert.ok(defaultVirtualRouterId("dev") >= 1 && defaultVirtualRouterId("dev") <= 255);
        assert.notStrictEqual(defaultVirtualRouterId("dev"), defaultVirtualRouterId("prod"));
        assert.deepStrictEqual(spec.metrics, { redisExporterPort: 9389, sentinelExporterPort: 9390, allowList: spec.ipAllowList });
        assert.strictEqual(resolveClusterSpec(threeHostTopology()).frontend, undefined);
        assert.strictEqual(resolveClusterSpec(threeHostTopology({ metrics: { enabled: false } })).metrics, undefined);
    });

    const cases: Array<{ name: string; args: ClusterTopologyArgs; field: string; says: RegExp }> = [
        { name: "one frontend host", args: withFrontend({ frontend: { hosts: ["lb-1"], vip: "10.0.2.100" } }), field: "frontend.hosts", says: /two host names/ },
        { name: "the same host twice", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-1"], vip: "10.0.2.100" } }), field: "frontend.hosts[1]", says: /listed twice/ },
        { name: "an unknown frontend host", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-9"], vip: "10.0.2.100" } }), field: "frontend.hosts[1]", says: /unknown host "lb-9"/ },
        { name: "a VIP that is a host's address", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.72" } }), field: "frontend.vip", says: /address of host "app-2"/ },
        { name: "a loopback VIP", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "127.0.0.9" } }), field: "frontend.vip", says: /loopback/ },
        { name: "an IPv6 VIP", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "fd00::1" } }), field: "frontend.vip", says: /not an IPv4 address/ },
        { name: "a privileged port", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100", port: 80 } }), field: "frontend.port", says: /privileged/ },
        { name: "Debian's Redis port", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100", port: 6379 } }), field: "frontend.port", says: /distribution's own/ },
        { name: "the sentinels' port", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100", port: 26389 } }), field: "frontend.port", says: /already sentinelPort's port/ },
        { name: "a bad interface name", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100", interface: "eth0; reboot" } }), field: "frontend.interface", says: /not a network interface name/ },
        { name: "a router id out of range", args: withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100", virtualRouterId: 256 } }), field: "frontend.virtualRouterId", says: /not a VRRP router id/ },
        { name: "a frontend with TLS", args: { ...withFrontend(), tls: { caCert: "x", certificates: {} } }, field: "frontend", says: /not supported together with `tls`/ },
        { name: "two exporters on one port", args: withFrontend({ metrics: { enabled: true, sentinelExporterPort: 9389 } }), field: "metrics.sentinelExporterPort", says: /already metrics.redisExporterPort's port/ },
        { name: "an exporter on the frontend's port", args: withFrontend({ metrics: { enabled: true, redisExporterPort: 6390 } }), field: "metrics.redisExporterPort", says: /already frontend.port's port/ },
        { name: "metrics.enabled not a boolean", args: withFrontend({ metrics: { enabled: "yes" as unknown as boolean } }), field: "metrics.enabled", says: /not true or false/ },
    ];
    for (const c of cases) {
        it(`refuses ${c.name}, naming ${c.field}`, () => {
            const problems = problemsOf(c.args);
            assert.ok(problems.some((p) => p.startsWith(`${c.field}: `) && c.says.test(p)), problems.join("\n"));
        });
    }
});

describe("frontend and metrics: rendering (golden files)", () => {
    it("HAProxy routes to a node only while it says role:master and a majority of all sentinels name it", () => {
        const conf = renderHaproxyConf(spec, lb1, PASSWORD);
        golden("haproxy.cfg", conf);
        assert.ok(!conf.includes(PASSWORD), "the password is never in the file as text");
        assert.match(conf, /use_backend node-console if \{ srv_is_up\(node-console\/console\) \} \{ nbsrv\(votes-console\) ge 2 \} \{ nbsrv\(against-console\) lt 2 \}\n/);
        // Against-votes: the same question, up while the answer names another node (and until first checked).
        assert.ok(conf.includes(`expect ! binary ${Buffer.from("\r\n10.0.2.104\r\n").toString("hex")}`));
        assert.doesNotMatch(conf, /default_backend/);
        // The checks are exactly the RESP commands a client would send.
        const hexes = [...conf.matchAll(/send-binary ([0-9a-f]+)/g)].map((m) => Buffer.from(m[1]!, "hex").toString("utf8"));
        assert.ok(hexes.includes(respCommand("AUTH", PASSWORD) + respCommand("INFO", "replication") + respCommand("QUIT")));
        assert.ok(hexes.includes(respCommand("AUTH", PASSWORD) + respCommand("SENTINEL", "get-master-addr-by-name", "dev") + respCommand("QUIT")));
        assert.ok(conf.includes(`expect binary ${Buffer.from("\r\n10.0.2.104\r\n").toString("hex")}`), "the vote matches the whole address");
    });

    it("keepalived: both BACKUP with nopreempt, unicast to the other frontend, the first with the higher priority", () => {
        const one = renderKeepalivedConf(spec, lb1);
        const two = renderKeepalivedConf(spec, lb2);
        golden("keepalived.conf", one);
        assert.match(one, /priority 150/);
        assert.match(two, /priority 100/);
        assert.match(one, /unicast_src_ip 10\.0\.2\.81\n {4}unicast_peer \{\n {8}10\.0\.2\.82/);
        assert.ok(one.includes(`interface ${INTERFACE_PLACEHOLDER}`));
        assert.match(renderKeepalivedConf(resolveClusterSpec(withFrontend({ frontend: { hosts: ["lb-1", "lb-2"], vip: "10.0.2.100", interface: "ens18" } })), lb1), /interface ens18\n/);
    });

    it("hardened units with names of their own, and an exporter that gets the password for its one address only", () => {
        golden("redis-ha-dev-haproxy.service", renderHaproxyUnit(spec));
        golden("redis-ha-dev-keepalived.service", renderKeepalivedUnit(spec));
        const exporter = renderExporterUnit(spec, spec.metrics!, consoleHost, "server");
        golden("redis-ha-dev-server-exporter.service", exporter);
        assert.match(exporter, /ExecStartPre=\+\/usr\/bin\/install -m 0400 \/etc\/redis-ha\/dev.exporter\/server.password.json \/run\/redis-ha-dev-server-exporter\/password.json\n/);
        assert.match(exporter, /-redis.password-file \/run\/redis-ha-dev-server-exporter\/password.json /);
        assert.doesNotMatch(exporter, /REDIS_PASSWORD|EnvironmentFile/, "never in the environment: /scrape?target= would send it anywhere");
        assert.match(exporter, /-web.listen-address 10\.0\.2\.104:9389/);
        assert.doesNotMatch(exporter, /-redis.password /, "never in argv");
        assert.match(renderHaproxyUnit(spec), /User=haproxy\n/);
        assert.match(renderKeepalivedUnit(spec), /CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BROADCAST CAP_SETGID\n/);
        assert.deepStrictEqual(JSON.parse(renderExporterPasswordFile(spec, spec.metrics!, consoleHost, "sentinel", PASSWORD)), { "redis://127.0.0.1:26389": PASSWORD });
        for (const name of [spec.paths.haproxyUnitName, spec.paths.keepalivedUnitName, spec.paths.exporterUnitName.server, spec.paths.exporterUnitName.sentinel]) {
            assert.match(name, /^redis-ha-dev-/, "never Debian's haproxy, keepalived or prometheus-redis-exporter unit");
        }
    });
});

describe("frontend and metrics: plan and outputs", () => {
    it("preflights the frontend hosts for haproxy and keepalived, and leaves a cluster without them as it was", () => {
        const plan = deploymentPlan(spec);
        assert.deepStrictEqual(plan.hosts.map((h) => h.name), ["console", "app-1", "app-2", "lb-1", "lb-2"]);
        assert.deepStrictEqual(plan.frontends.map((h) => h.name), ["lb-1", "lb-2"]);
        assert.strictEqual(plan.exporters.length, 6);
        const lb = preflightVars(spec, lb1, "r");
        assert.strictEqual(lb.RH_REDIS_HOST, "no");
        assert.strictEqual(lb.RH_PORTS, "6390:redis-ha-dev-haproxy.service");
        assert.strictEqual(lb.RH_BINARIES, "haproxy:/usr/sbin/haproxy keepalived:/usr/sbin/keepalived");
        assert.strictEqual(preflightVars(spec, consoleHost, "r").RH_PORTS, "6389:redis-ha-dev-server.service 26389:redis-ha-dev-sentinel.service 9389:redis-ha-dev-server-exporter.service 9390:redis-ha-dev-sentinel-exporter.service");
        const plain = resolveClusterSpec(threeHostTopology());
        const vars = preflightVars(plain, plain.hosts[0]!, "r");
        assert.ok(!("RH_REDIS_HOST" in vars) && !("RH_BINARIES" in vars), "a cluster without frontend or metrics keeps its preflight's inputs");
    });

    it("removes keepalived before HAProxy (the VIP moves first), and only our files", () => {
        const removal = frontendRemovalVars(spec, lb1);
        assert.strictEqual(removal.RH_UNITS, "redis-ha-dev-keepalived.service redis-ha-dev-haproxy.service");
        assert.ok(removal.RH_FILES.split(" ").every((f) => f.startsWith("/etc/redis-ha/dev.frontend/")));
        assert.ok(exporterRemovalVars(spec, consoleHost, "server").RH_FILES.split(" ").every((f) => f.startsWith("/etc/redis-ha/dev.exporter/")));
    });

    it("gives clients the VIP and Prometheus the scrape targets", () => {
        assert.deepStrictEqual(clientConnectionInfo(spec).frontend, { host: "10.0.2.100", port: 6390 });
        assert.strictEqual(clientConnectionInfo(resolveClusterSpec(threeHostTopology())).frontend, undefined);
        assert.deepStrictEqual(scrapeTargets(spec).slice(0, 1), [{ target: "10.0.2.71:9389", host: "app-1", kind: "server" }]);
        assert.deepStrictEqual(nodeRoles(spec).find((n) => n.host === "lb-2")?.roles, ["frontend"]);
    });
});

describe("frontend and metrics: redis-ha status", () => {
    const addr = (name: string) => `${spec.hosts.find((h) => h.name === name)!.announceAddress}:6389`;
    const data = (name: string, role: string): HostReport => ({
        host: name,
        drift: [],
        values: {
            "redis.unit": "active",
            "redis.role": role,
            ...(role === "master" ? { "redis.connected_slaves": "2" } : { "redis.master_host": "10.0.2.104", "redis.master_port": "6389", "redis.master_link_status": "up" }),
            "sentinel.unit": "active",
            "sentinel.master": addr("console"),
            "sentinel.ckquorum": "OK 3 usable Sentinels",
            "exporter.redis-ha-dev-server-exporter.service": "active",
        },
    });
    const front = (name: string, vip: string, routes = "master"): HostReport => ({ host: name, drift: [], values: { "frontend.haproxy": "active", "frontend.keepalived": "active", "frontend.vip": vip, "frontend.routes": routes } });
    const reports = (...fronts: HostReport[]) => [data("console", "master"), data("app-1", "slave"), data("app-2", "slave"), ...fronts];

    it("is healthy with the VIP on one frontend and both routing to the master", () => {
        const s = summarizeStatus(spec, "dev", reports(front("lb-1", "held"), front("lb-2", "backup")));
        assert.deepStrictEqual(s.problems, []);
        assert.deepStrictEqual(s.hosts.find((h) => h.host === "lb-1")?.frontend, { haproxy: "active", keepalived: "active", holdsVip: true, routesTo: "master" });
    });

    it("names a VIP on both frontends or on none, a frontend that reaches no master, and a stopped exporter", () => {
        assert.ok(summarizeStatus(spec, "dev", reports(front("lb-1", "held"), front("lb-2", "held"))).problems.includes("the VIP 10.0.2.100 is held by lb-1 and lb-2"));
        assert.ok(summarizeStatus(spec, "dev", reports(front("lb-1", "backup"), front("lb-2", "backup"))).problems.includes("the VIP 10.0.2.100 is held by no frontend host"));
        assert.ok(summarizeStatus(spec, "dev", reports(front("lb-1", "held"), front("lb-2", "backup", ""))).problems.includes("lb-2: its HAProxy reaches no master (no answer)"));
        const stopped = reports(front("lb-1", "held"), front("lb-2", "backup"));
        stopped[1]!.values["exporter.redis-ha-dev-server-exporter.service"] = "failed";
        assert.ok(summarizeStatus(spec, "dev", stopped).problems.includes("app-1: redis-ha-dev-server-exporter.service is failed"));
    });
});
