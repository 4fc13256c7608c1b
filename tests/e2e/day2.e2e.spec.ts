/**
 * Day-2 operations on the real engine and a real lab, with a Sentinel-aware client writing
 * acknowledged increments during every step: live and rolling Redis changes, re-runs after a
 * failover, Sentinel changes that keep what Sentinel owns, growing and shrinking the cluster, drift
 * found and put back, and a host that is down during `up`.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import { PreviewResult, Stack } from "@pulumi/pulumi/automation";
import { TestLab, assertNothingLost, assertStillWriting, createTestLab, eventually, field, mainPid, onHost, redisCli } from "./labHarness";
import { CounterReport, CounterWriter, startCounterWriter } from "../../examples/visit-counter/counter";

const LAB = "rhtday2";
const REDIS_PORT = 6389;
const SENTINEL_PORT = 26389;
const SERVER_UNIT = "redis-ha-lab-server.service";
const SENTINEL_UNIT = "redis-ha-lab-sentinel.service";
const SENTINEL_TIMING = { downAfterMilliseconds: 3000, failoverTimeout: 10000 };

describe("day-2 operations on the lab, with a client writing throughout", function () {
    this.timeout(20 * 60 * 1000);
    let lab: TestLab;
    let writer: CounterWriter | undefined;
    let step = 0;
    const base = { "redis-ha:quorum": 2, "redis-ha:sentinel": SENTINEL_TIMING };
    /** Stack config of the latest `up`: each step changes one thing from there. */
    let current: Record<string, unknown> = { ...base };

    const host = (n: number) => lab.hosts[n - 1]!;
    const members = () => lab.hosts.slice(0, dataHostCount());
    let dataHostCount = () => 3;

    async function stack(config: Record<string, unknown>): Promise<Stack> {
        current = config;
        return lab.cluster({ config });
    }

    /** Starts the writer and waits for its first confirmed write, so it is proven running before the step. */
    async function startWriter(): Promise<void> {
        writer = startCounterWriter({
            masterName: "lab",
            sentinels: members().map((h) => ({ host: h.address, port: SENTINEL_PORT })),
            password: lab.password,
            key: `day2:counter:${++step}`,
            maxSeconds: 300,
        });
        await writer.ready;
    }

    /** After the step: the writer still gets new writes confirmed (a writer that stopped fails here), then every confirmed one is read back. */
    async function stopWriter(): Promise<CounterReport> {
        assert.ok(writer, "writer running");
        await assertStillWriting(writer, `after step ${step}`);
        const report = await writer.stop();
        writer = undefined;
        assertNothingLost(report, `step ${step}`);
        return report;
    }

    const pids = (unit: string) => members().map((h) => mainPid(h.container, unit));
    const restartWindows = (unit: string) => restartWindowsOf(members().map((h) => h.container), unit);
    const sentinel = (n: number, ...args: string[]) => redisCli(host(n).container, lab.password, SENTINEL_PORT, ...args);
    const redis = (n: number, ...args: string[]) => redisCli(host(n).container, lab.password, REDIS_PORT, ...args);
    const masterAddress = () => sentinel(1, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lab").split("\n")[0];
    const hostAt = (address: string) => lab.hosts.findIndex((h) => h.address === address) + 1;

    /** Topology as every member sees it: one master, every other data host linked to it, sentinels complete. */
    function assertHealthy(replicaCount: number, sentinelCount: number): void {
        const master = masterAddress()!;
        for (const h of members()) {
            const n = hostAt(h.address);
            const view = sentinel(n, "SENTINEL", "MASTER", "lab");
            assert.strictEqual(field(view, "ip"), master, `${h.name}: sentinels agree on the master`);
            assert.strictEqual(field(view, "num-slaves"), String(replicaCount), `${h.name}: replicas known`);
            assert.strictEqual(field(view, "num-other-sentinels"), String(sentinelCount - 1), `${h.name}: other sentinels known`);
            assert.match(sentinel(n, "SENTINEL", "CKQUORUM", "lab"), /^OK/, h.name);
            // No stale or duplicate entries: exactly the live hosts, each once.
            const replicas = entries(sentinel(n, "SENTINEL", "REPLICAS", "lab"));
            assert.deepStrictEqual(replicas.map((r) => r.ip).sort(), members().filter((m) => m.address !== master).map((m) => m.address).sort(), `${h.name}: replica entries`);
            const others = entries(sentinel(n, "SENTINEL", "SENTINELS", "lab"));
            assert.deepStrictEqual(others.map((s) => s.ip).sort(), members().filter((m) => m.address !== h.address).map((m) => m.address).sort(), `${h.name}: sentinel entries`);
            assert.ok([...replicas, ...others].every((e) => !/s_down|o_down|disconnected/.test(e.flags)), `${h.name}: an entry is down: ${JSON.stringify([...replicas, ...others])}`);
            const role = redis(n, "INFO", "replication");
            if (h.address === master) {
                assert.strictEqual(field(role, "role"), "master", h.name);
                assert.strictEqual(field(role, "connected_slaves"), String(replicaCount), h.name);
            } else {
                assert.strictEqual(field(role, "role"), "slave", h.name);
                assert.strictEqual(field(role, "master_host"), master, `${h.name} follows the master`);
                assert.strictEqual(field(role, "master_link_status"), "up", h.name);
            }
        }
    }

    before(async () => {
        lab = await createTestLab(LAB, "10.177.79", 4);
        await (await stack(current)).up();
        assertHealthy(2, 3);
    });

    afterEach(async () => {
        if (writer) await writer.stop();
        writer = undefined;
    });

    after(async () => {
        if (lab) await lab.destroy();
    });

    it("applies a maxmemory change live on every node: no restart, sentinels untouched, nothing lost", async () => {
        const servers = pids(SERVER_UNIT);
        const sentinels = pids(SENTINEL_UNIT);
        await startWriter();
        await (await stack({ ...current, "redis-ha:redis": { maxmemory: "64mb" } })).up();
        await stopWriter();
        for (const h of members()) assert.strictEqual(redis(hostAt(h.address), "CONFIG", "GET", "maxmemory").split("\n")[1], String(64 * 1024 * 1024), h.name);
        assert.deepStrictEqual(pids(SENTINEL_UNIT), sentinels, "sentinels restarted");
        assert.deepStrictEqual(pids(SERVER_UNIT), servers, "a live setting restarted Redis");
        assertHealthy(2, 3);
    });

    it("takes an extraDirectives entry out: Redis goes back to its own default live, no restart, nothing lost", async () => {
        const before = current;
        const servers = pids(SERVER_UNIT);
        const redisSettings = (current["redis-ha:redis"] ?? {}) as Record<string, unknown>;
        await (await stack({ ...before, "redis-ha:redis": { ...redisSettings, extraDirectives: { hz: 25, "lazyfree-lazy-user-del": true } } })).up();
        for (const h of members()) assert.deepStrictEqual([redis(hostAt(h.address), "CONFIG", "GET", "hz").split("\n")[1], redis(hostAt(h.address), "CONFIG", "GET", "lazyfree-lazy-user-del").split("\n")[1]], ["25", "yes"], h.name);
        await startWriter();
        await (await stack(before)).up();
        await stopWriter();
        // Redis 7.0's defaults: hz 10, lazyfree-lazy-user-del no.
        for (const h of members()) assert.deepStrictEqual([redis(hostAt(h.address), "CONFIG", "GET", "hz").split("\n")[1], redis(hostAt(h.address), "CONFIG", "GET", "lazyfree-lazy-user-del").split("\n")[1]], ["10", "no"], h.name);
        for (const h of members()) assert.doesNotMatch(onHost(h.container, "cat /etc/redis-ha/lab/redis.conf"), /^(hz|lazyfree-lazy-user-del) /m, h.name);
        assert.deepStrictEqual(pids(SERVER_UNIT), servers, "taking a directive out restarted Redis");
        assertHealthy(2, 3);
    });

    it("rolls a change that needs a restart: replicas first, then mastership handed over, nothing lost", async () => {
        const oldMaster = hostAt(masterAddress()!);
        const servers = pids(SERVER_UNIT);
        const sentinels = pids(SENTINEL_UNIT);
        await startWriter();
        // maxclients changes the unit's LimitNOFILE: a restart of every node.
        await (await stack({ ...current, "redis-ha:redis": { maxmemory: "64mb", maxclients: 4000 } })).up();
        await stopWriter();
        const restarted = pids(SERVER_UNIT);
        restarted.forEach((pid, i) => assert.notStrictEqual(pid, servers[i], `${members()[i]!.name} was not restarted`));
        // Replicas first, one at a time, the master of the moment last: the restarts' intervals in that order, none overlapping.
        const windows = restartWindows(SERVER_UNIT);
        const byStart = members().map((h, i) => ({ name: h.name, ...windows[i]! })).sort((a, b) => a.stoppedAt - b.stoppedAt);
        assert.strictEqual(byStart[byStart.length - 1]!.name, host(oldMaster).name, `the master was not restarted last: ${JSON.stringify(byStart)}`);
        byStart.slice(1).forEach((w, i) => assert.ok(w.stoppedAt >= byStart[i]!.startedAt, `${w.name} stopped before ${byStart[i]!.name} was back: ${JSON.stringify(byStart)}`));
        assert.deepStrictEqual(pids(SENTINEL_UNIT), sentinels, "sentinels restarted");
        assert.notStrictEqual(hostAt(masterAddress()!), oldMaster, "the master was restarted without handing mastership over");
        assert.strictEqual(field(redis(oldMaster, "INFO", "replication"), "role"), "slave", "the old master rejoined as a replica");
        for (const h of members()) assert.strictEqual(redis(hostAt(h.address), "CONFIG", "GET", "maxclients").split("\n")[1], "4000", h.name);
        assertHealthy(2, 3);
    });

    it("after a forced failover, re-runs change nothing; a Redis change keeps the master where Sentinel put it", async () => {
        const before = masterAddress()!;
        assert.strictEqual(sentinel(1, "SENTINEL", "FAILOVER", "lab"), "OK");
        const after = await eventually("failover done", 60, () => {
            const now = masterAddress()!;
            assert.notStrictEqual(now, before);
            assertHealthy(2, 3);
            return now;
        });
        const servers = pids(SERVER_UNIT);
        const sentinels = pids(SENTINEL_UNIT);
        const same = await stack(current);
        await same.preview({ expectNoChanges: true });
        const up = await same.up();
        assert.deepStrictEqual(Object.keys(up.summary.resourceChanges ?? {}).filter((k) => k !== "same"), []);
        assert.deepStrictEqual([pids(SERVER_UNIT), pids(SENTINEL_UNIT)], [servers, sentinels], "something restarted on a no-op up");

        await startWriter();
        await (await stack({ ...current, "redis-ha:redis": { maxmemory: "48mb", maxclients: 4000 } })).up();
        await stopWriter();
        assert.strictEqual(masterAddress(), after, "the master moved away from where Sentinel put it");
        assertHealthy(2, 3);
        for (const h of members()) assert.strictEqual(redis(hostAt(h.address), "CONFIG", "GET", "maxmemory").split("\n")[1], String(48 * 1024 * 1024), h.name);
    });

    it("changes down-after-milliseconds one sentinel at a time, keeping every sentinel's identity, Redis untouched", async () => {
        // Each sentinel's own id (SENTINEL MYID), as it answers and as its file keeps it.
        const myid = () => members().map((h) => sentinel(hostAt(h.address), "SENTINEL", "MYID"));
        const fileIds = () => members().map((h) => onHost(h.container, "awk '$2 == \"myid\" { print $3 }' /etc/redis-ha/lab/sentinel.conf").trim());
        const myids = myid();
        const ids = fileIds();
        assert.ok(myids.every((id) => /^[0-9a-f]{40}$/.test(id)), `sentinel ids: ${JSON.stringify(myids)}`);
        assert.deepStrictEqual(ids, myids, "the files keep the ids the sentinels answer with");
        const servers = pids(SERVER_UNIT);
        const sentinels = pids(SENTINEL_UNIT);
        await startWriter();
        await (await stack({ ...current, "redis-ha:sentinel": { ...SENTINEL_TIMING, downAfterMilliseconds: 4000 } })).up();
        await stopWriter();
        assert.deepStrictEqual(myid(), myids, "a sentinel's id changed");
        assert.deepStrictEqual(fileIds(), ids, "a sentinel's myid changed in its file");
        // One sentinel restarted at a time: each was back before the next one stopped.
        const windows = restartWindows(SENTINEL_UNIT).sort((a, b) => a.stoppedAt - b.stoppedAt);
        windows.slice(1).forEach((w, i) => assert.ok(w.stoppedAt >= windows[i]!.startedAt, `two sentinels were down at once: ${JSON.stringify(windows)}`));
        for (const h of members()) {
            assert.strictEqual(field(sentinel(hostAt(h.address), "SENTINEL", "MASTER", "lab"), "down-after-milliseconds"), "4000", h.name);
        }
        pids(SENTINEL_UNIT).forEach((pid, i) => assert.notStrictEqual(pid, sentinels[i], `${members()[i]!.name}'s sentinel was not restarted with its new setting`));
        assert.deepStrictEqual(pids(SERVER_UNIT), servers, "Redis restarted for a Sentinel-only change");
        assertHealthy(2, 3);
    });

    it("finds a redis-server upgraded on disk with preview --refresh and rolls it out, master handed over, nothing lost", async () => {
        const epoch = Number(field(sentinel(1, "SENTINEL", "MASTER", "lab"), "config-epoch"));
        const servers = pids(SERVER_UNIT);
        const sentinels = pids(SENTINEL_UNIT);
        // What a package upgrade does to the binary: a new file replaces the one the processes run.
        for (const h of members()) onHost(h.container, "cp -p /usr/bin/redis-server /usr/bin/redis-server.new && mv -f /usr/bin/redis-server.new /usr/bin/redis-server");
        const s = await stack(current);
        const preview = await s.preview({ refresh: true });
        // Every host's preflight (whose drift check found it), every data node and sentinel step, and the
        // health gate after them.
        assert.strictEqual(preview.changeSummary.update, 3 + 2 * 3 + 1, JSON.stringify(preview.changeSummary));
        await startWriter();
        const up = await s.up({ refresh: true });
        await stopWriter();
        assert.strictEqual(up.summary.resourceChanges?.update, 3 + 2 * 3 + 1, JSON.stringify(up.summary.resourceChanges));
        pids(SERVER_UNIT).forEach((pid, i) => assert.notStrictEqual(pid, servers[i], `${members()[i]!.name}'s Redis still runs the old binary`));
        pids(SENTINEL_UNIT).forEach((pid, i) => assert.notStrictEqual(pid, sentinels[i], `${members()[i]!.name}'s sentinel still runs the old binary`));
        // The master of the moment handed over before its restart: a failover happened. (With the master
        // mid-order after the earlier failover, it may be handed over twice and end where it was.)
        assert.ok(Number(field(sentinel(1, "SENTINEL", "MASTER", "lab"), "config-epoch")) > epoch, "the master was restarted without handing mastership over");
        assertHealthy(2, 3);
        await s.preview({ refresh: true, expectNoChanges: true });
    });

    it("grows from 3 to 4 hosts and back, with CKQUORUM OK throughout and no stale entries", async () => {
        const four = {
            ...current,
            "redis-ha:replicas": ["lab-2", "lab-3", "lab-4"],
            "redis-ha:sentinels": ["lab-1", "lab-2", "lab-3", "lab-4"],
            "redis-ha:quorum": 3,
        };
        const three = { ...current };
        // Sampled every second during both updates: the sentinel being updated may be down (stopped,
        // restarting) or still reconnecting, but never more than one at a time, so a failover stays
        // possible throughout. lab-1..3's sentinels must answer at every sample: one that is stopped
        // counts as not OK. lab-4's is the one this test adds and removes on purpose: it may be absent
        // only before its step installs it (while growing), or once its removal has stopped it (while
        // shrinking), and then it must stay gone.
        const quorumFailures: string[] = [];
        /** lab-4's sentinel gone after it was installed, or back after its removal began: failures on their own. */
        const lab4Failures: string[] = [];
        const singleNotOk: string[] = [];
        let samples = 0;
        const state = (container: string) =>
            onHost(
                container,
                `if [ "$(systemctl show -p LoadState --value ${SENTINEL_UNIT})" = not-found ]; then echo absent
elif ! systemctl is-active --quiet ${SENTINEL_UNIT}; then echo "stopped ($(systemctl is-active ${SENTINEL_UNIT} || true))"
else redis-cli --no-auth-warning --raw -p ${SENTINEL_PORT} SENTINEL CKQUORUM lab 2>&1 || true; fi`,
                lab.password,
            ).trim();
        const watchQuorum = async (lab4: "joining" | "leaving", run: () => Promise<unknown>) => {
            let done = false;
            // joining: lab-4's sentinel seen installed; leaving: seen stopped or gone (its removal began).
            let lab4Seen = false;
            const watcher = (async () => {
                for (let i = 0; i < 600 && !done; i++) {
                    const notOk = lab.hosts.flatMap((h) => {
                        const reply = state(h.container);
                        if (h === host(4)) {
                            if (lab4 === "joining") {
                                if (reply === "absent") {
                                    if (lab4Seen) lab4Failures.push(`${h.name}: its sentinel disappeared after it was installed`);
                                    return [];
                                }
                                lab4Seen = true;
                            } else {
                                if (reply === "absent" || reply.startsWith("stopped")) {
                                    lab4Seen = true;
                                    return [];
                                }
                                if (lab4Seen) lab4Failures.push(`${h.name}: its sentinel came back after its removal began: ${reply}`);
                            }
                        }
                        return /^OK/.test(reply) ? [] : [`${h.name}: ${reply}`];
                    });
                    samples++;
                    if (notOk.length === 1) singleNotOk.push(notOk[0]!);
                    if (notOk.length > 1) quorumFailures.push(notOk.join("; "));
                    await new Promise((r) => setTimeout(r, 1000));
                }
            })();
            try {
                await run();
            } finally {
                done = true;
                await watcher;
            }
            // And where it ends: lab-4's sentinel answering OK once it joined, gone once it left.
            if (lab4 === "joining") assert.match(state(host(4).container), /^OK/, "lab-4's sentinel after the grow");
            else assert.strictEqual(state(host(4).container), "absent", "lab-4's sentinel after the shrink");
        };

        await startWriter();
        await watchQuorum("joining", async () => (await stack(four)).up());
        await stopWriter();
        dataHostCount = () => 4;
        assertHealthy(3, 4);

        await startWriter();
        await watchQuorum("leaving", async () => (await stack(three)).up());
        await stopWriter();
        dataHostCount = () => 3;
        assertHealthy(2, 3);
        assert.strictEqual(onHost(host(4).container, "systemctl list-unit-files 'redis-ha-*' --no-legend | wc -l").trim(), "0", "lab-4 still has our units");
        console.log(`      CKQUORUM: ${samples} samples of every sentinel; ${singleNotOk.length} with one sentinel not OK (the one being updated): ${JSON.stringify(singleNotOk.slice(0, 5))}`);
        assert.ok(samples > 10, "CKQUORUM was sampled throughout");
        assert.deepStrictEqual(quorumFailures, [], "more than one sentinel not OK (stopped, unreachable or no quorum) at once");
        assert.deepStrictEqual(lab4Failures, []);
    });

    it("finds a hand-edited config with preview --refresh and puts it back with the next up", async () => {
        const replica = members().find((h) => h.address !== masterAddress())!;
        const conf = "/etc/redis-ha/lab/redis.conf";
        const servers = pids(SERVER_UNIT);
        onHost(replica.container, `sed -i 's/^maxmemory .*/maxmemory 1mb/; s/^appendfsync .*/appendfsync always/' ${conf}`);
        const s = await stack(current);
        const { changed, preview } = await refreshPreview(s);
        // The host's preflight, whose drift check found it, the step it makes run again, and the health gate.
        assert.deepStrictEqual(
            changed,
            [`update lab-${replica.name}-preflight`, `update lab-${replica.name}-redis-apply`, "update lab-health-gate"],
            JSON.stringify(preview.changeSummary),
        );

        await startWriter();
        const up = await s.up({ refresh: true });
        await stopWriter();
        assert.strictEqual(up.summary.resourceChanges?.update, 3, `its host's preflight, that step and the health gate: ${JSON.stringify(up.summary.resourceChanges)}`);
        const restored = onHost(replica.container, `grep -E '^(maxmemory|appendfsync) ' ${conf}`);
        assert.match(restored, /^maxmemory 48mb$/m);
        assert.match(restored, /^appendfsync everysec$/m);
        assert.deepStrictEqual(pids(SERVER_UNIT), servers, "restoring the file restarted Redis");
        await s.preview({ refresh: true, expectNoChanges: true });
    });

    it("finds a hand CONFIG SET and a hand SENTINEL SET with preview --refresh, and puts both back with up --refresh, Redis live", async () => {
        const replica = members().find((h) => h.address !== masterAddress())!;
        const n = hostAt(replica.address);
        const servers = pids(SERVER_UNIT);
        const maxmemory = redis(n, "CONFIG", "GET", "maxmemory").split("\n")[1];
        // Neither shows in redis.conf: CONFIG SET changes only the running Redis. Sentinel writes its own file.
        redis(n, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        redis(n, "CONFIG", "SET", "maxmemory", "2mb");
        sentinel(n, "SENTINEL", "SET", "lab", "parallel-syncs", "3");
        const s = await stack(current);
        const { changed, preview } = await refreshPreview(s);
        assert.deepStrictEqual(
            changed.sort(),
            [`update lab-${replica.name}-preflight`, `update lab-${replica.name}-redis-apply`, `update lab-${replica.name}-sentinel-apply`, "update lab-health-gate"].sort(),
            JSON.stringify(preview.changeSummary),
        );
        await startWriter();
        await s.up({ refresh: true });
        await stopWriter();
        assert.strictEqual(redis(n, "CONFIG", "GET", "maxmemory-policy").split("\n")[1], "noeviction");
        assert.strictEqual(redis(n, "CONFIG", "GET", "maxmemory").split("\n")[1], maxmemory);
        assert.strictEqual(field(sentinel(n, "SENTINEL", "MASTER", "lab"), "parallel-syncs"), "1");
        assert.deepStrictEqual(pids(SERVER_UNIT), servers, "putting a live setting back restarted Redis");
        assertHealthy(2, 3);
        await s.preview({ refresh: true, expectNoChanges: true });
    });

    it("fails an up with a host down, naming it, keeps serving, and converges once the host is back", async () => {
        const down = members().find((h) => h.address !== masterAddress())!;
        const maxmemoryBefore = members().map((h) => redis(hostAt(h.address), "CONFIG", "GET", "maxmemory"));
        execDocker("stop", down.container);
        try {
            await startWriter();
            const s = await stack({ ...current, "redis-ha:redis": { maxmemory: "40mb", maxclients: 4000 } });
            const started = Date.now();
            // redis-ha's own message, for the host that is down, on either executor (the preflight is redis-ha's SSH client).
            await assert.rejects(s.up(), (err: Error) => {
                assert.ok(err.message.includes(`cannot reach host ${down.name} (root@${down.address}:22) over SSH`), err.message.slice(-2000));
                assert.match(err.message, /\(2 attempts of 5s\)/);
                return true;
            });
            console.log(`      host down reported after ${((Date.now() - started) / 1000).toFixed(1)} s (2 attempts of 5 s)`);
            // Nothing changed on the hosts that were up: the preflight failed before any step ran.
            const up = members().filter((h) => h !== down);
            assert.deepStrictEqual(
                up.map((h) => redis(hostAt(h.address), "CONFIG", "GET", "maxmemory")),
                maxmemoryBefore.filter((_, i) => members()[i] !== down),
            );
            await assertStillWriting(writer!, `the failed up with ${down.name} down`);
        } finally {
            execDocker("start", down.container);
        }
        await eventually(`${down.name} back`, 120, () => assert.strictEqual(onHost(down.container, `systemctl is-active ${SERVER_UNIT} ${SENTINEL_UNIT}`).trim(), "active\nactive"));
        await (await stack(current)).up();
        await stopWriter();
        assertHealthy(2, 3);
        for (const h of members()) assert.strictEqual(redis(hostAt(h.address), "CONFIG", "GET", "maxmemory").split("\n")[1], String(40 * 1024 * 1024), h.name);
    });

    it("finds a stopped sentinel of ours with preview --refresh and starts it with up --refresh", async () => {
        const h = members().find((m) => m.address !== masterAddress())!;
        onHost(h.container, `systemctl stop ${SENTINEL_UNIT}`);
        const s = await stack(current);
        const { changed } = await refreshPreview(s);
        assert.deepStrictEqual(changed, [`update lab-${h.name}-preflight`, `update lab-${h.name}-sentinel-apply`, "update lab-health-gate"]);
        await s.up({ refresh: true });
        assert.strictEqual(onHost(h.container, `systemctl is-active ${SENTINEL_UNIT}`).trim(), "active");
        assertHealthy(2, 3);
        await s.preview({ refresh: true, expectNoChanges: true });
    });

    it("finds a host's installed programs gone with preview --refresh, and puts them and the host's steps back with up --refresh, Redis live", async () => {
        const h = members().find((m) => m.address !== masterAddress())!;
        const servers = pids(SERVER_UNIT);
        onHost(h.container, "rm -rf /var/lib/redis-ha/lab.programs");
        const s = await stack(current);
        // The refresh does not fail on it: the host's programs step and its steps are marked for repair.
        const { changed } = await refreshPreview(s);
        assert.deepStrictEqual(
            changed.sort(),
            [`update lab-${h.name}-preflight`, `update lab-${h.name}-programs`, `update lab-${h.name}-redis-apply`, `update lab-${h.name}-sentinel-apply`, "update lab-health-gate"].sort(),
        );
        await startWriter();
        await s.up({ refresh: true });
        await stopWriter();
        // The programs are back, and so are the removals its steps keep there (a later destroy runs them).
        assert.match(onHost(h.container, "ls /var/lib/redis-ha/lab.programs/removal | wc -l").trim(), /^[1-9]/);
        assert.deepStrictEqual(pids(SERVER_UNIT), servers, "putting the programs back restarted Redis");
        assertHealthy(2, 3);
        await s.preview({ refresh: true, expectNoChanges: true });
    });

    it("survives a host killed during its own step (power loss mid-restart): the up fails, the writer goes on, a re-run converges", async () => {
        const victim = members().find((h) => h.address !== masterAddress())!;
        const before = mainPid(victim.container, SERVER_UNIT);
        await startWriter();
        // maxclients changes the unit: every node restarts in turn; the victim is killed right after its restart.
        const s = await stack({ ...current, "redis-ha:redis": { maxmemory: "40mb", maxclients: 5000 } });
        const up = s.up();
        let killed = false;
        await eventually(`${victim.name}'s step restarting its Redis`, 240, () => {
            if (mainPid(victim.container, SERVER_UNIT) === before) throw new Error("not restarted yet");
            execDocker("kill", victim.container);
            killed = true;
        });
        await assert.rejects(up, (err: Error) => {
            assert.match(err.message, new RegExp(victim.name), err.message.slice(-2000));
            return true;
        });
        assert.ok(killed);
        await assertStillWriting(writer!, `the failed up with ${victim.name} killed`);
        execDocker("start", victim.container);
        await eventually(`${victim.name} back`, 120, () => assert.strictEqual(onHost(victim.container, `systemctl is-active ${SERVER_UNIT} ${SENTINEL_UNIT}`).trim(), "active\nactive"));
        await (await stack({ ...current, "redis-ha:redis": { maxmemory: "40mb", maxclients: 5000 } })).up();
        await stopWriter();
        assertHealthy(2, 3);
        for (const h of members()) assert.strictEqual(redis(hostAt(h.address), "CONFIG", "GET", "maxclients").split("\n")[1], "5000", h.name);
    });
});

/** `preview --refresh`, and what it would change: "<op> <resource name>" for each resource it would touch. */
async function refreshPreview(s: Stack): Promise<{ changed: string[]; preview: PreviewResult }> {
    const changed: string[] = [];
    const preview = await s.preview({
        refresh: true,
        onEvent: (e) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && m.op !== "same" && m.op !== "refresh" && m.op !== "read") changed.push(`${m.op} ${m.urn.split("::").pop()}`);
        },
    });
    return { changed, preview };
}

/** When each member's unit last stopped and was ready again (CLOCK_MONOTONIC µs: the lab hosts share the kernel). */
function restartWindowsOf(containers: string[], unit: string): Array<{ stoppedAt: number; startedAt: number }> {
    return containers.map((c) => {
        const out = onHost(c, `systemctl show -p InactiveEnterTimestampMonotonic -p ActiveEnterTimestampMonotonic ${unit}`);
        const value = (k: string) => Number(new RegExp(`^${k}=(\\d+)`, "m").exec(out)?.[1] ?? "0");
        return { stoppedAt: value("InactiveEnterTimestampMonotonic"), startedAt: value("ActiveEnterTimestampMonotonic") };
    });
}

function execDocker(...args: string[]): void {
    execFileSync("docker", args, { stdio: "ignore" });
}

/** The entries of SENTINEL REPLICAS / SENTINELS (alternating key and value lines). */
function entries(reply: string): Array<{ ip: string; flags: string }> {
    const out: Array<{ ip: string; flags: string }> = [];
    const lines = reply.split(/\r?\n/);
    let entry: { ip: string; flags: string } | undefined;
    for (let i = 0; i + 1 < lines.length; i += 2) {
        const [key, value] = [lines[i], lines[i + 1] ?? ""];
        if (key === "name") {
            entry = { ip: "", flags: "" };
            out.push(entry);
        } else if (entry && key === "ip") entry.ip = value;
        else if (entry && key === "flags") entry.flags = value;
    }
    return out;
}
