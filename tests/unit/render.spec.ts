import * as assert from "assert";
import { resolveClusterSpec } from "../../components/config/validate";
import { redisQuote, renderRedisConf, renderSentinelConf, renderSysctlConf, renderThpUnit, renderUnit } from "../../components/render/render";
import { threeHostTopology } from "../fixtures/topology";

const spec = resolveClusterSpec(threeHostTopology({ redis: { maxmemory: "256mb" } }));
const [console_, app1] = spec.hosts;
const PASSWORD = 'p@ss "word" \\ with spaces';

function directive(text: string, name: string): string[] {
    return text.split("\n").filter((l) => l.startsWith(`${name} `));
}

describe("renderRedisConf", () => {
    it("renders the master without replicaof, on our port and dirs", () => {
        const conf = renderRedisConf(spec, console_!, PASSWORD);
        assert.deepStrictEqual(directive(conf, "port"), ["port 6389"]);
        assert.deepStrictEqual(directive(conf, "replicaof"), []);
        assert.deepStrictEqual(directive(conf, "dir"), ["dir /var/lib/redis-ha/dev"]);
        assert.deepStrictEqual(directive(conf, "maxmemory"), ["maxmemory 256mb"]);
        assert.deepStrictEqual(directive(conf, "supervised"), ["supervised systemd"]);
        assert.deepStrictEqual(directive(conf, "replica-announce-ip"), ["replica-announce-ip 10.0.2.104"]);
        assert.deepStrictEqual(directive(conf, "bind"), ["bind 127.0.0.1 10.0.2.104"]);
        assert.match(conf, /^# Managed by redis-ha/);
    });

    it("points a replica at the configured master, with auth on both sides", () => {
        const conf = renderRedisConf(spec, app1!, PASSWORD);
        assert.deepStrictEqual(directive(conf, "replicaof"), ["replicaof 10.0.2.104 6389"]);
        assert.deepStrictEqual(directive(conf, "requirepass"), [`requirepass ${redisQuote(PASSWORD)}`]);
        assert.deepStrictEqual(directive(conf, "masterauth"), [`masterauth ${redisQuote(PASSWORD)}`]);
    });

    it("writes redis.extraDirectives last, after every directive redis-ha sets", () => {
        // Stack config's YAML gives numbers and booleans too (typed callers give strings).
        const fromYaml = { hz: 20, "Lazyfree-Lazy-Eviction": true, "client-output-buffer-limit": "replica 512mb 128mb 60", "notify-keyspace-events": "" } as unknown as Record<string, string>;
        const extra = resolveClusterSpec(threeHostTopology({ redis: { extraDirectives: fromYaml } }));
        const lines = renderRedisConf(extra, extra.hosts[1]!, PASSWORD).trimEnd().split("\n");
        assert.deepStrictEqual(lines.slice(-4), ["hz 20", "lazyfree-lazy-eviction yes", "client-output-buffer-limit replica 512mb 128mb 60", 'notify-keyspace-events ""']);
        assert.ok(lines.indexOf("hz 20") > lines.findIndex((l) => l.startsWith("replicaof ")));
        assert.ok(!renderRedisConf(spec, console_!, PASSWORD).includes("extraDirectives"));
    });

    it("quotes passwords the way Redis parses them", () => {
        assert.strictEqual(redisQuote('a"b\\c'), '"a\\"b\\\\c"');
        assert.strictEqual(redisQuote("x y"), '"x y"');
    });
});

describe("renderSentinelConf", () => {
    it("monitors the master with the quorum and the operator's timings", () => {
        const conf = renderSentinelConf(spec, app1!, PASSWORD);
        assert.deepStrictEqual(directive(conf, "sentinel monitor"), ["sentinel monitor dev 10.0.2.104 6389 2"]);
        assert.deepStrictEqual(directive(conf, "sentinel down-after-milliseconds"), ["sentinel down-after-milliseconds dev 5000"]);
        assert.deepStrictEqual(directive(conf, "sentinel announce-ip"), ["sentinel announce-ip 10.0.2.71"]);
        assert.deepStrictEqual(directive(conf, "port"), ["port 26389"]);
        // monitor must come before the per-master directives, or Sentinel refuses the file.
        assert.ok(conf.indexOf("sentinel monitor") < conf.indexOf("sentinel auth-pass"));
    });

    it("never templates what Sentinel owns", () => {
        const conf = renderSentinelConf(spec, app1!, PASSWORD);
        for (const owned of ["sentinel myid", "known-replica", "known-sentinel", "current-epoch", "config-epoch", "leader-epoch"]) {
            assert.ok(!conf.split("\n").some((l) => l.startsWith(owned) || l.startsWith(`sentinel ${owned}`)), owned);
        }
    });
});

describe("renderUnit", () => {
    it("is a hardened Type=notify unit running as redis", () => {
        for (const kind of ["server", "sentinel"] as const) {
            const unit = renderUnit(spec, kind);
            for (const line of [
                "Type=notify",
                "User=redis",
                "UMask=0077",
                "ProtectSystem=strict",
                "PrivateUsers=true",
                "CapabilityBoundingSet=",
                "NoNewPrivileges=true",
                "MemoryDenyWriteExecute=true",
                "ReadWritePaths=-/etc/redis-ha/dev",
                "LimitNOFILE=10032",
            ]) {
                assert.ok(unit.split("\n").includes(line), `${kind} unit lacks ${line}`);
            }
        }
        assert.match(renderUnit(spec, "sentinel"), /^ExecStart=\/usr\/bin\/redis-server \/etc\/redis-ha\/dev\/sentinel\.conf --sentinel /m);
        assert.match(renderUnit(spec, "server"), /^RuntimeDirectory=redis-ha-dev-server$/m);
    });

    it("drops traffic from anywhere but localhost, the cluster's hosts and ipAllowList", () => {
        for (const kind of ["server", "sentinel"] as const) {
            const unit = renderUnit(spec, kind).split("\n");
            assert.ok(unit.includes("IPAddressDeny=any"), kind);
            assert.ok(unit.includes("IPAddressAllow=localhost 10.0.2.104 10.0.2.71 10.0.2.72 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7"), kind);
        }
        const narrow = resolveClusterSpec(threeHostTopology({ ipAllowList: ["192.168.7.0/24", "10.0.2.71", "2001:db8::/32"] }));
        assert.match(renderUnit(narrow, "server"), /^IPAddressAllow=localhost 10\.0\.2\.104 10\.0\.2\.71 10\.0\.2\.72 192\.168\.7\.0\/24 2001:db8::\/32$/m);
        const none = resolveClusterSpec(threeHostTopology({ ipAllowList: [] }));
        assert.match(renderUnit(none, "sentinel"), /^IPAddressAllow=localhost 10\.0\.2\.104 10\.0\.2\.71 10\.0\.2\.72$/m);
    });

    it("gives two clusters different units and paths, none of them Debian's", () => {
        const other = resolveClusterSpec(threeHostTopology({ clusterName: "other" }));
        const names = [spec.paths.redisUnitName, spec.paths.sentinelUnitName, other.paths.redisUnitName, other.paths.sentinelUnitName];
        assert.strictEqual(new Set(names).size, 4);
        for (const n of names) assert.ok(!["redis-server.service", "redis-sentinel.service", "redis.service"].includes(n));
        assert.notStrictEqual(spec.paths.dataDir, other.paths.dataDir);
    });
});

describe("hostTuning files", () => {
    const lines = (text: string) => text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

    it("asks for overcommit and a somaxconn of at least the tcp-backlog Redis runs with, in a file of this cluster's", () => {
        assert.deepStrictEqual(lines(renderSysctlConf(spec)), ["vm.overcommit_memory = 1", "net.core.somaxconn = 511"]);
        const bigger = resolveClusterSpec(threeHostTopology({ redis: { extraDirectives: { "tcp-backlog": "2048" } } }));
        assert.deepStrictEqual(lines(renderSysctlConf(bigger)), ["vm.overcommit_memory = 1", "net.core.somaxconn = 2048"]);
        assert.strictEqual(spec.paths.sysctlFile, "/etc/sysctl.d/60-redis-ha-dev.conf");
    });

    it("sets THP to madvise before our Redis starts, skipped where the kernel's settings are read-only", () => {
        const unit = lines(renderThpUnit(spec));
        assert.ok(unit.includes("ConditionPathIsReadWrite=/sys/kernel/mm/transparent_hugepage/enabled"));
        assert.ok(unit.includes("Before=redis-ha-dev-server.service"));
        assert.ok(unit.includes("ExecStart=/bin/sh -c 'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled'"));
        assert.ok(unit.includes("WantedBy=multi-user.target"));
        for (const h of ["NoNewPrivileges=true", "PrivateNetwork=true", "ProtectSystem=strict", "ProtectHome=true"]) assert.ok(unit.includes(h), h);
        assert.strictEqual(spec.paths.thpUnitName, "redis-ha-dev-thp.service");
    });
});
