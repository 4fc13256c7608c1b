/**
 * The frontend (HAProxy + keepalived holding a VIP, seed 001) and the exporters, on a real lab of five
 * hosts: three data nodes with sentinels, two frontend hosts. Clients that know only the VIP (plain
 * redis-cli, and ioredis without Sentinel) write through it across a master kill, the kill of the
 * frontend host that holds the VIP, the higher-priority frontend eligible again (nopreempt: the VIP
 * stays), a paused and a partitioned VIP holder, each confirmed write (WAIT 1) checked one by one.
 * The new units' `systemd-analyze security` scores stay within README's figures.
 */
import * as assert from "assert";
import { Stack } from "@pulumi/pulumi/automation";
import { TestLab, clusterStatus, createTestLab, eventually, field, grepFiles, labLeftovers, mainPid, metric, onHost, redisCli, scrape, unitExposure } from "./labHarness";
import { FAULT_SCENARIOS, FaultScenario, waitHealthy } from "./faultScenarios";
import {
    FRONTEND_LAB_HOSTS,
    FRONTEND_PORT,
    frontendBackWithoutPreempting,
    frontendConfig,
    frontendHosts,
    frontendKilled,
    frontendPartitioned,
    frontendPaused,
    runThroughVip,
    settledOnOneHolder,
    vipHolders,
    vrrpPriorities,
} from "./frontendScenarios";
import { findNeedles, secretNeedles } from "./secretScan";

const LAB = "rhtfront";
const SUBNET = "10.177.92";
const { vip: VIP, through: THROUGH, config } = frontendConfig(SUBNET);
const PORT = FRONTEND_PORT;
const UNITS = { haproxy: "redis-ha-lab-haproxy.service", keepalived: "redis-ha-lab-keepalived.service" };
const EXPORTER = { server: "redis-ha-lab-server-exporter.service", sentinel: "redis-ha-lab-sentinel-exporter.service" };
/**
 * `systemd-analyze security` bounds: README's figures (HAProxy 1.0, keepalived 2.2, exporters 1.1)
 * with a little room for another systemd's weights, far below an unsandboxed unit's 9.6.
 */
const EXPOSURE_BOUNDS: Record<string, number> = { [UNITS.haproxy]: 1.2, [UNITS.keepalived]: 2.5, [EXPORTER.server]: 1.3, [EXPORTER.sentinel]: 1.3 };
/** Debian's own services on every lab host: redis-ha must leave them as they are. */
const DEBIAN_UNITS = ["haproxy.service", "prometheus-redis-exporter.service", "redis-server.service"];

describe("frontend: HAProxy + keepalived VIP for clients without Sentinel, and the exporters", function () {
    this.timeout(30 * 60 * 1000);
    let lab: TestLab;
    let stack: Stack;
    let frontends: TestLab["hosts"];
    let debianPids: Record<string, string>;
    const vipHolder = () => vipHolders(lab, VIP);

    before(async () => {
        lab = await createTestLab(LAB, SUBNET, FRONTEND_LAB_HOSTS);
        frontends = frontendHosts(lab);
        debianPids = Object.fromEntries(lab.hosts.flatMap((h) => DEBIAN_UNITS.map((u) => [`${h.name}/${u}`, mainPid(h.container, u)])));
        stack = await lab.cluster({ config });
        await stack.up();
    });

    after(async () => {
        if (lab) await lab.destroy();
        assert.strictEqual(labLeftovers(LAB), "", "the frontend lab left containers or networks behind");
    });

    it("deploys: the VIP on exactly one frontend answers as the master, both HAProxys route to it, Debian's haproxy, exporter and Redis untouched", async () => {
        const master = await waitHealthy(lab);
        assert.strictEqual(vipHolder().length, 1, "the VIP is on exactly one frontend host");
        for (const h of frontends) {
            assert.match(onHost(h.container, `systemctl is-active ${UNITS.haproxy} ${UNITS.keepalived}`), /^active\nactive/);
            // This host's own HAProxy (127.0.0.1), and the VIP from this host, both reach the master.
            const local = onHost(h.container, `redis-cli --no-auth-warning --raw -p ${PORT} INFO replication`, lab.password);
            assert.strictEqual(field(local, "role"), "master", `${h.name}'s HAProxy`);
            assert.strictEqual(field(local, "connected_slaves"), "2");
            // Our daemons run as the users the units say, with only the capabilities they need.
            assert.strictEqual(onHost(h.container, `ps -o user= -p ${mainPid(h.container, UNITS.haproxy)}`).trim(), "haproxy");
            const capEff = BigInt(`0x${onHost(h.container, `awk '/^CapEff/ { print $2 }' /proc/${mainPid(h.container, UNITS.keepalived)}/status`).trim()}`);
            assert.strictEqual(capEff & ~0x3840n, 0n, `keepalived's capabilities ${capEff.toString(16)}: more than CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BROADCAST, CAP_SETGID`);
        }
        const info = onHost(lab.hosts[0]!.container, `redis-cli --no-auth-warning --raw -h ${VIP} -p ${PORT} INFO server`, lab.password);
        assert.strictEqual(field(info, "run_id"), field(redisCli(master.container, lab.password, 6389, "INFO", "server"), "run_id"), "the VIP reaches the master Sentinel names");
        for (const [key, pid] of Object.entries(debianPids)) {
            const [host, unit] = key.split("/");
            const h = lab.hosts.find((x) => x.name === host)!;
            assert.strictEqual(mainPid(h.container, unit!), pid, `${key} was restarted or stopped`);
        }
        for (const h of lab.hosts) assert.notStrictEqual(onHost(h.container, "systemctl is-active keepalived.service || true").trim(), "active", `${h.name}: Debian's keepalived was started`);
    });

    it("redis-ha status shows each frontend (the VIP on one, both routing to the master) and every exporter active", () => {
        const status = clusterStatus(lab, stack, { healthy: true });
        assert.ok(status.healthy, status.problems.join("; "));
        const fronts = status.hosts.filter((h) => h.frontend);
        assert.deepStrictEqual(fronts.map((h) => h.host), ["lab-4", "lab-5"]);
        assert.strictEqual(fronts.filter((h) => h.frontend?.holdsVip).length, 1);
        assert.ok(fronts.every((h) => h.frontend?.routesTo === "master" && h.frontend.haproxy === "active" && h.frontend.keepalived === "active"));
        assert.strictEqual(status.hosts.flatMap((h) => Object.values(h.exporters ?? {})).filter((s) => s === "active").length, 6);
    });

    it("scores within README's figures in systemd-analyze security: HAProxy and keepalived on both frontends, both exporters on every data node", () => {
        const checked: string[] = [];
        for (const [hosts, units] of [
            [frontends, [UNITS.haproxy, UNITS.keepalived]],
            [lab.hosts.slice(0, 3), [EXPORTER.server, EXPORTER.sentinel]],
        ] as const) {
            for (const h of hosts) {
                for (const unit of units) {
                    assert.strictEqual(onHost(h.container, `systemctl is-active ${unit} || true`).trim(), "active", `${h.name} ${unit}`);
                    const { score, rating } = unitExposure(h.container, unit);
                    checked.push(`${h.name} ${unit} ${score} ${rating}`);
                    assert.ok(score <= EXPOSURE_BOUNDS[unit]!, `${h.name} ${unit} scores ${score} ${rating}, more than ${EXPOSURE_BOUNDS[unit]}`);
                    assert.doesNotMatch(rating, /EXPOSED|UNSAFE/, `${h.name} ${unit} rated ${rating}`);
                }
            }
        }
        assert.strictEqual(checked.length, 10);
        console.log(`      ${[...new Set(checked.map((c) => c.replace(/^\S+ /, "")))].join("; ")}`);
    });

    it("never routes to a node that says master without a majority of the sentinels naming it", async () => {
        const master = await waitHealthy(lab);
        const rogue = lab.hosts.slice(0, 3).find((h) => h !== master)!;
        // A replica promoted behind Sentinel's back: it now says role:master too, as a cut-off old master would.
        redisCli(rogue.container, lab.password, 6389, "REPLICAOF", "NO", "ONE");
        try {
            const masterRunId = field(redisCli(master.container, lab.password, 6389, "INFO", "server"), "run_id");
            const rogueRunId = field(redisCli(rogue.container, lab.password, 6389, "INFO", "server"), "run_id");
            await new Promise((r) => setTimeout(r, 3000)); // HAProxy's checks have seen the rogue say master
            assert.strictEqual(field(redisCli(rogue.container, lab.password, 6389, "INFO", "replication"), "role"), "master", "the rogue still says master");
            const ids = onHost(frontends[0]!.container, `for i in $(seq 40); do redis-cli --no-auth-warning --raw -h ${VIP} -p ${PORT} INFO server | grep '^run_id:'; done`, lab.password);
            const seen = ids.split("\n").filter(Boolean).map((l) => l.slice("run_id:".length).trim());
            assert.strictEqual(seen.length, 40);
            assert.ok(!seen.includes(rogueRunId!), "a connection through the VIP reached the rogue master");
            assert.deepStrictEqual([...new Set(seen)], [masterRunId], "every connection through the VIP reached the master the sentinels name");
        } finally {
            redisCli(rogue.container, lab.password, 6389, "REPLICAOF", master.address, "6389");
            await waitHealthy(lab);
        }
    });

    /** Both clients write through the VIP across `scenario`: 0 confirmed writes lost, and no write reached a node that was not master. */
    const assertThroughVip = async (scenario: FaultScenario, cliHost: (master: TestLab["hosts"][number]) => TestLab["hosts"][number]) => {
        const r = await runThroughVip(lab, scenario, THROUGH, cliHost, `front:${scenario.name}:${Date.now()}`);
        console.log(`      ioredis through the VIP: ${r.ioredis.confirmed} confirmed, ${r.ioredis.unconfirmed} unconfirmed, ${r.ioredis.errors} refused (${r.ioredis.readonly} READONLY), ${r.ioredis.lost} lost, longest gap ${r.ioredis.writeOutageSeconds} s`);
        console.log(`      redis-cli through the VIP: ${r.cli.confirmed} confirmed, ${r.cli.unconfirmed} unconfirmed (${r.cli.readonly} READONLY), ${r.cli.lost} lost, longest gap ${r.cli.longestGapMs / 1000} s`);
        assert.strictEqual(r.ioredis.lost, 0, `ioredis: confirmed writes lost: ${JSON.stringify(r.ioredis)}`);
        assert.strictEqual(r.cli.lost, 0, `redis-cli: confirmed writes lost: ${JSON.stringify(r.cli)}`);
        assert.strictEqual(r.cli.stoppedByBound, false, `redis-cli: the writer stopped at its bound before the fault was over: ${JSON.stringify(r.cli)}`);
        assert.ok(r.ioredis.confirmed > 40 && r.cli.confirmed > 40, `both writers wrote throughout: ${JSON.stringify(r)}`);
        // No client saw READONLY, and no node that kept running refused a write as a replica.
        assert.strictEqual(r.ioredis.readonly + r.cli.readonly, 0, "a write through the VIP reached a replica (READONLY at a client)");
        assert.strictEqual(r.readonlyOnNodes, 0, "a write through the VIP reached a replica (READONLY counted on a node)");
        return r;
    };

    it("a master kill: both clients write through the VIP, 0 confirmed writes lost, no write sent to a replica", async () => {
        const kill = FAULT_SCENARIOS.find((s) => s.name === "master-killed")!;
        const r = await assertThroughVip(kill, () => frontends[1]!);
        assert.strictEqual(r.ioredis.failedOver, true);
        await stack.preview({ expectNoChanges: true });
    });

    it("right after a restart of HAProxy (before its first checks), no connection reaches the former master", async () => {
        let master = await waitHealthy(lab);
        if (master === lab.hosts[0]) {
            // lab-1 is the configured master, whose rule comes first: the case needs it to be a replica now.
            redisCli(lab.hosts[1]!.container, lab.password, 26389, "SENTINEL", "FAILOVER", "lab");
            await eventually("a failover away from lab-1", 60, async () => assert.notStrictEqual(await waitHealthy(lab, 30), lab.hosts[0]));
            master = await waitHealthy(lab);
        }
        const roles = onHost(frontends[0]!.container, `systemctl restart ${UNITS.haproxy}; for i in $(seq 80); do redis-cli --no-auth-warning --raw -p ${PORT} ROLE 2>&1 | head -n 1; sleep 0.02; done`, lab.password)
            .split("\n")
            .filter(Boolean);
        assert.ok(!roles.includes("slave"), `a connection right after the restart reached a replica: ${roles.join(", ")}`);
        assert.ok(roles.filter((r) => r === "master").length > 10, `HAProxy routed to the master again: ${roles.join(", ")}`);
        console.log(`      after the restart: ${roles.filter((r) => r !== "master").length} connections refused while the checks ran, then the master (${master.name})`);
    });

    it("the kill of the frontend host that holds the VIP: the other frontend answers at the VIP, 0 confirmed writes lost", async () => {
        const scenario = frontendKilled(VIP);
        await assertThroughVip(scenario, (master) => lab.hosts.slice(0, 3).find((h) => h !== master)!);
        console.log(`      the other frontend held the VIP ${scenario.takeover.seconds} s after the kill`);
        assert.ok(scenario.takeover.answeredAsMaster, "the VIP answered as the master from the other frontend");
        // nopreempt: the VIP stays where it went; a second `pulumi up` changes nothing.
        assert.strictEqual(vipHolder().length, 1);
        await stack.preview({ expectNoChanges: true });
    });

    it("nopreempt: the higher-priority frontend, eligible again after losing the VIP, leaves it where it is; 0 confirmed writes lost", async () => {
        const priority = vrrpPriorities(lab, "lab");
        const [high, low] = [...frontends].sort((a, b) => priority[b.name]! - priority[a.name]!);
        // Only a host of higher priority would take the VIP back: equal ones never preempt, so the case needs it.
        assert.ok(priority[high!.name]! > priority[low!.name]!, `VRRP priorities ${JSON.stringify(priority)}`);
        if ((await settledOnOneHolder(lab, VIP)) !== high) {
            // Restarting the lower one's keepalived hands the VIP over (it announces priority 0 as it stops).
            onHost(low!.container, `systemctl restart ${UNITS.keepalived}`);
            await eventually(`${high!.name} holding the VIP`, 30, () => assert.deepStrictEqual(vipHolder(), [high]));
        }
        const scenario = frontendBackWithoutPreempting(VIP);
        await assertThroughVip(scenario, (master) => lab.hosts.slice(0, 3).find((h) => h !== master)!);
        assert.strictEqual(scenario.seen.length, 20);
        const moved = scenario.seen.filter((holders) => holders.length !== 1 || holders[0] !== low!.name);
        assert.deepStrictEqual(moved, [], `the VIP left ${low!.name} after ${high!.name} was eligible again`);
        console.log(`      ${low!.name} kept the VIP for ${scenario.seen.length} s after ${high!.name}'s HAProxy was back`);
    });

    it("a paused frontend (the VIP holder frozen 15 s): the other one answers at the VIP, 0 confirmed writes lost, one VIP holder after it resumes", async () => {
        const scenario = frontendPaused(VIP, 15);
        await assertThroughVip(scenario, (master) => lab.hosts.slice(0, 3).find((h) => h !== master)!);
        assert.strictEqual(scenario.afterResume.length, 1, "the VIP settled on one host after the resume");
        console.log(`      after the resume the VIP settled on ${scenario.afterResume[0]}`);
    });

    it("a partitioned frontend (the VIP holder cut off from the other frontend and the data nodes 15 s): 0 confirmed writes lost, none sent to a replica, one VIP holder after healing", async () => {
        const scenario = frontendPartitioned(VIP, 15);
        await assertThroughVip(scenario, (master) => lab.hosts.slice(0, 3).find((h) => h !== master)!);
        assert.strictEqual(scenario.afterHeal.length, 1, "the VIP settled on one host after healing");
        assert.deepStrictEqual(vipHolder().map((h) => h.name), scenario.afterHeal);
        console.log(`      after healing the VIP settled on ${scenario.afterHeal[0]}`);
    });

    it("exporters: redis_up 1 everywhere, the master's connected_slaves, scrape targets as outputs", async () => {
        const master = await waitHealthy(lab);
        const outputs = await stack.outputs();
        const targets = outputs.scrapeTargets?.value as Array<{ target: string; host: string; kind: string }>;
        assert.strictEqual(targets.length, 6, JSON.stringify(targets));
        for (const t of targets) {
            const [address, port] = t.target.split(":");
            const body = await scrape(address!, Number(port));
            assert.strictEqual(metric(body, "redis_up"), "1", `${t.target} (${t.kind} on ${t.host})`);
            if (t.kind === "server") assert.strictEqual(metric(body, "redis_connected_slaves"), t.host === master.name ? "2" : "0", `${t.host}'s connected_slaves`);
        }
        assert.deepStrictEqual((outputs.connection?.value as { frontend?: unknown }).frontend, { host: VIP, port: PORT });
        // The exporter runs as a dynamic user, not root, with the password in a file only that user can read.
        const pid = mainPid(lab.hosts[0]!.container, EXPORTER.server);
        assert.notStrictEqual(onHost(lab.hosts[0]!.container, `ps -o user= -p ${pid}`).trim(), "root");
    });

    it("shows the password nowhere: not in ps, not in a world-readable file, not in our units' logs", () => {
        const needles = [...secretNeedles(lab.password), Buffer.from(lab.password).toString("hex")];
        for (const h of lab.hosts) {
            const argv = onHost(h.container, "ps -eo args");
            assert.deepStrictEqual(findNeedles(argv, needles), [], `${h.name}: the password in a process's argv`);
            const logs = onHost(h.container, "journalctl --no-pager -o cat -u 'redis-ha-lab-*' 2>/dev/null; cat /var/log/redis-ha/lab/*.log 2>/dev/null || true");
            assert.deepStrictEqual(findNeedles(logs, needles), [], `${h.name}: the password in a log`);
            // The password as is, and hex-encoded as HAProxy's checks carry it.
            for (const form of [lab.password, Buffer.from(lab.password).toString("hex")]) {
                const readable = onHost(h.container, grepFiles("find /etc /run /var/log /var/lib /tmp -xdev -type f -perm -o+r"), form);
                assert.strictEqual(readable.trim(), "", `${h.name}: world-readable files with the password`);
            }
        }
        for (const h of frontends) {
            assert.strictEqual(onHost(h.container, "stat -c '%a %U:%G' /etc/redis-ha/lab.frontend/haproxy.cfg").trim(), "640 root:haproxy");
        }
        assert.strictEqual(onHost(lab.hosts[0]!.container, "stat -c '%a %U:%G' /etc/redis-ha/lab.exporter/server.password.json").trim(), "600 root:root");
    });

    it("a second up changes nothing and restarts nothing; removing the frontend and metrics leaves Debian's services alone", async () => {
        const pids = Object.fromEntries(frontends.map((h) => [h.name, mainPid(h.container, UNITS.haproxy)]));
        const up = await stack.up();
        assert.deepStrictEqual(Object.keys(up.summary.resourceChanges ?? {}).filter((k) => k !== "same"), [], "a second up changed something");
        for (const h of frontends) assert.strictEqual(mainPid(h.container, UNITS.haproxy), pids[h.name], `${h.name}: HAProxy restarted`);
        await stack.removeConfig("redis-ha:frontend");
        await stack.removeConfig("redis-ha:metrics");
        await stack.up();
        await waitHealthy(lab);
        for (const h of lab.hosts) {
            const left = onHost(h.container, `systemctl list-unit-files 'redis-ha-lab-*' --no-legend | awk '{print $1}'; ls -d /etc/redis-ha/lab.frontend /etc/redis-ha/lab.exporter 2>/dev/null; true`);
            assert.doesNotMatch(left, /haproxy|keepalived|exporter|\.frontend|\.exporter/, `${h.name} kept frontend or exporter leftovers: ${left}`);
            for (const u of DEBIAN_UNITS) assert.strictEqual(onHost(h.container, `systemctl is-active ${u} || true`).trim(), "active", `${h.name}: ${u}`);
        }
    });
});
