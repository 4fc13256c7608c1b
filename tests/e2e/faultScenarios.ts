/**
 * Faults injected into a lab while the visit counter writes through Sentinel, measured the same way
 * by the e2e spec (which asserts) and the benchmark (which reports): one implementation of each fault.
 */
import * as crypto from "crypto";
import * as path from "path";
import { execFileSync, spawn } from "child_process";
import { engineEnv } from "../../lab/automation";
import { CounterReport, VisitAttempt, startCounterWriter } from "../../examples/visit-counter/counter";
import { TestLab, eventually, field, onHost, redisCli } from "./labHarness";

const REDIS_PORT = 6389;
const SENTINEL_PORT = 26389;
const SENTINEL_UNIT = "redis-ha-lab-sentinel.service";
const SERVER_UNIT = "redis-ha-lab-server.service";

type LabHost = TestLab["hosts"][number];

export interface FaultScenario {
    name: string;
    /** What a user would call it. */
    description: string;
    /** true: Sentinel must fail over; false: it must not; undefined: either is fine. */
    expectFailover: boolean | undefined;
    /** An operation of ours (not a fault): its duration is measured instead of a failover time. */
    operation?: boolean;
    inject(lab: TestLab, master: LabHost): Promise<void>;
    heal(lab: TestLab, master: LabHost): Promise<void>;
}

export interface FaultResult {
    scenario: string;
    description: string;
    oldMaster: string;
    newMaster: string;
    failedOver: boolean;
    /** From the fault to all reachable sentinels naming a new master (null: no failover). */
    failoverSeconds: number | null;
    /** Longest time the client got no visit confirmed. */
    writeOutageSeconds: number;
    /** Visits confirmed (reply and WAIT), each checked individually at the end. */
    confirmed: number;
    /** Visits that got no reply or too few WAIT acknowledgements (they may or may not have been kept). */
    unconfirmed: number;
    /** Visits Redis refused with an error reply. */
    errors: number;
    /** Of those, visits a replica refused (READONLY): a write that reached a node that was not master. */
    readonly: number;
    /** Confirmed visits missing at the end. */
    lost: number;
    /** Unconfirmed visits Redis kept anyway. */
    keptUnconfirmed: number;
    /** Visits the old master accepted after the fault (EXEC replied) that WAIT did not confirm: an isolated master's writes. */
    oldMasterAcceptedUnconfirmed: number;
    /** From the fault to the last visit answered by the old master while another was master (0: none): how long the client stayed stuck there. */
    stuckOnOldMasterSeconds: number;
    /** How long an operation's step took (null: a fault). */
    stepSeconds: number | null;
    /** From the fault to its heal, in seconds. */
    healedAtSeconds: number;
    /** Up to 10 lost visits: the node that confirmed each and when, in seconds from the fault (negative: before it). */
    lostVisits: Array<{ id: string; node: string; atSeconds: number }>;
}

function docker(...args: string[]): void {
    execFileSync("docker", args, { stdio: "ignore" });
}

const network = (lab: TestLab) => `${lab.args.name}-net`;

/** Blackhole routes between `master` and the other lab hosts, both ways (`add` or `del`); this machine is not cut off. */
function partition(lab: TestLab, master: LabHost, action: "add" | "del"): void {
    const others = lab.hosts.filter((h) => h !== master);
    onHost(master.container, others.map((h) => `ip route ${action} blackhole ${h.address}/32`).join(" && "));
    for (const h of others) onHost(h.container, `ip route ${action} blackhole ${master.address}/32`);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const FAULT_SCENARIOS: FaultScenario[] = [
    {
        name: "master-killed",
        description: "master host killed (docker kill), started again",
        expectFailover: true,
        inject: async (_lab, master) => docker("kill", master.container),
        heal: async (_lab, master) => docker("start", master.container),
    },
    {
        name: "master-paused",
        description: "master host paused (docker pause), unpaused after the failover",
        expectFailover: true,
        // On waking, the old master acknowledges the writes waiting in its sockets before it notices it is
        // no longer master: a WAIT sent apart from its write could then run on the new master and confirm
        // nothing (README, "WAIT on the wrong connection"). The visit counter pipelines them: 0 lost.
        inject: async (_lab, master) => docker("pause", master.container),
        heal: async (_lab, master) => docker("unpause", master.container),
    },
    {
        name: "master-partitioned",
        description: "master host cut from the network (docker network disconnect), reconnected",
        expectFailover: true,
        inject: async (lab, master) => docker("network", "disconnect", network(lab), master.container),
        heal: async (lab, master) => docker("network", "connect", "--ip", master.address, network(lab), master.container),
    },
    {
        // Jepsen's case: the client keeps reaching the old master (and everything else); only the
        // hosts lose each other. The old master may take writes until min-replicas-max-lag refuses
        // them, but no replica acknowledges them (WAIT), so none is confirmed.
        name: "master-partitioned-client-side",
        description: "master host cut from the other hosts only (blackhole routes), the client still reaching it, healed",
        expectFailover: true,
        inject: async (lab, master) => partition(lab, master, "add"),
        heal: async (lab, master) => partition(lab, master, "del"),
    },
    {
        name: "sentinel-killed",
        description: "one sentinel killed (SIGKILL; systemd restarts it)",
        expectFailover: false,
        inject: async (lab, master) => {
            const other = lab.hosts.slice(0, 3).find((h) => h !== master)!;
            onHost(other.container, `systemctl kill -s KILL ${SENTINEL_UNIT}`);
        },
        // Long enough for a wrong failover to show: twice down-after-milliseconds.
        heal: async () => {
            await sleep(2 * 3000);
        },
    },
    {
        name: "all-hosts-restarted",
        description: "every host shut down (docker stop) and started again",
        expectFailover: undefined,
        inject: async (lab) => {
            await Promise.all(lab.hosts.slice(0, 3).map(async (h) => docker("stop", h.container)));
        },
        heal: async (lab) => {
            for (const h of lab.hosts.slice(0, 3)) docker("start", h.container);
        },
    },
];

let rollingChanges = 0;
/**
 * The config the operations last deployed: the rolling change sets maxclients, and an operation after
 * it must keep that (configuring the stack back to DURABILITY_CONFIG would make `redis-ha status` see
 * every unit differ from the stack's, and the switchover refuse; the rotation's `up` would roll the
 * maxclients change back inside its own measurement). One per lab: a process may run several.
 */
const deployedConfigs = new Map<string, Record<string, unknown>>();
const deployedConfig = (lab: TestLab) => deployedConfigs.get(lab.args.name) ?? DURABILITY_CONFIG;

/**
 * Operations of our own, measured like the faults (the benchmark's, not the e2e faults spec's: day-2's
 * spec asserts the rolling restart's order). A rolling change restarts every node through `pulumi up`:
 * replicas first, then redis-ha's hand-over (pause writes, WAIT, SENTINEL FAILOVER, unpause), then the
 * old master. "Failover time" does not apply; the step's duration is reported instead.
 */
export const OPERATION_SCENARIOS: FaultScenario[] = [
    {
        name: "rolling-change",
        description: "a change that restarts every node (maxclients), rolled out by pulumi up: replicas first, mastership handed over",
        expectFailover: true,
        operation: true,
        inject: async (lab) => {
            // maxclients changes the unit's LimitNOFILE: a restart of every node. Alternates, so that each trial is a change.
            const maxclients = 4000 + (rollingChanges++ % 2) * 100;
            deployedConfigs.set(lab.args.name, { ...DURABILITY_CONFIG, "redis-ha:redis": { ...DURABILITY_CONFIG["redis-ha:redis"], maxclients } });
            await (await lab.cluster({ config: deployedConfig(lab) })).up();
        },
        heal: async () => undefined,
    },
    {
        name: "switchover",
        description: "`redis-ha switchover` (the hand-over: writes paused, WAIT, SENTINEL FAILOVER, REPLICAOF, writes resumed)",
        expectFailover: true,
        operation: true,
        inject: async (lab) => {
            const stack = await lab.cluster({ config: deployedConfig(lab) });
            await operatorCommand(lab, stack.workspace.workDir, "switchover");
        },
        heal: async () => undefined,
    },
    {
        name: "sentinel-failover",
        description: "a bare `SENTINEL FAILOVER`, as the seeds and most runbooks do it (not coordinated: redis/redis#13118)",
        expectFailover: true,
        operation: true,
        inject: async (lab, master) => {
            const sentinel = lab.hosts.find((h) => h !== master)!;
            const reply = redisCli(sentinel.container, lab.password, SENTINEL_PORT, "SENTINEL", "FAILOVER", "lab");
            if (reply !== "OK") throw new Error(`SENTINEL FAILOVER answered ${reply}`);
            await eventually("the sentinels name a new master", 60, () => {
                const seen = masterSeenFrom(lab, lab.hosts.slice(0, 3));
                if (seen.some((m) => m === "" || m === master.address || m !== seen[0])) throw new Error(`sentinels see ${seen.join(", ")}`);
            });
        },
        heal: async () => undefined,
    },
    {
        name: "password-rotation",
        description: "a new `password` rolled out by pulumi up (accepted everywhere, switched, old one dropped)",
        expectFailover: false,
        operation: true,
        inject: async (lab) => {
            const next = `rotated-${crypto.randomBytes(18).toString("base64url")}`;
            const stack = await lab.cluster({ config: deployedConfig(lab) });
            await stack.setConfig("redis-ha:password", { value: next, secret: true });
            await stack.up();
            lab.password = next;
        },
        heal: async () => undefined,
    },
];

/** The server (redis or valkey) `host`'s data node runs, as its unit's ExecStart says. */
export function serverOf(host: LabHost): "redis" | "valkey" {
    return /\/valkey-server /.test(onHost(host.container, `systemctl show -p ExecStart --value ${SERVER_UNIT}`)) ? "valkey" : "redis";
}

/**
 * The move of a running cluster to the other server (redis <-> valkey) by its one setting, rolled
 * out by pulumi up: replicas first, mastership handed to a node of the new server last, sentinels
 * after. Apart from OPERATION_SCENARIOS: on Debian's packages it goes one way per image (the other
 * way needs an RDB format the old server cannot read), so bench/migration.ts deploys anew per trial.
 */
export const SERVER_SWITCH: FaultScenario = {
    name: "server-switch",
    description: "the cluster moved to the other server (`server: redis` <-> `valkey`) by pulumi up: replicas first, mastership handed over, sentinels last",
    expectFailover: true,
    operation: true,
    inject: async (lab, master) => {
        const target = serverOf(master) === "redis" ? "valkey" : "redis";
        deployedConfigs.set(lab.args.name, { ...deployedConfig(lab), "redis-ha:server": target });
        await (await lab.cluster({ config: deployedConfig(lab) })).up();
    },
    heal: async () => undefined,
};

/** Forgets what the operations deployed on `lab` (a new cluster on it starts from its own config). */
export function resetDeployedConfig(lab: TestLab): void {
    deployedConfigs.delete(lab.args.name);
}

/** Runs `redis-ha <args>` (ops/cli.ts) against the lab's stack, as an operator would, without blocking the writer in this process. */
function operatorCommand(lab: TestLab, workDir: string, ...args: string[]): Promise<void> {
    const cli = path.join(__dirname, "..", "..", "ops", "cli.ts");
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [require.resolve("tsx/cli"), cli, ...args, "-s", "lab", "--cwd", workDir], { env: { ...process.env, ...engineEnv(lab.sandbox) } });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`redis-ha ${args.join(" ")} exited with ${String(code)}: ${output.slice(-500)}`))));
    });
}

/** Where the sentinels on `hosts` say the master is ("" if none answers). */
function masterSeenFrom(lab: TestLab, hosts: LabHost[]): string[] {
    return hosts.map((h) => {
        try {
            return redisCli(h.container, lab.password, SENTINEL_PORT, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lab").split("\n")[0] ?? "";
        } catch {
            return "";
        }
    });
}

/** Waits until the cluster is whole: sentinels agree, every replica linked, quorum, nothing down. Returns the master. */
export async function waitHealthy(lab: TestLab, seconds = 180): Promise<LabHost> {
    const members = lab.hosts.slice(0, 3);
    return eventually("cluster healthy", seconds, () => {
        const seen = masterSeenFrom(lab, members);
        if (!seen[0] || seen.some((m) => m !== seen[0])) throw new Error(`sentinels disagree: ${seen.join(", ")}`);
        const master = members.find((h) => h.address === seen[0]);
        if (!master) throw new Error(`unknown master ${seen[0]}`);
        for (const h of members) {
            const s = redisCli(h.container, lab.password, SENTINEL_PORT, "SENTINEL", "MASTER", "lab");
            if (field(s, "num-slaves") !== "2" || field(s, "num-other-sentinels") !== "2") throw new Error(`${h.name}: sentinel view ${field(s, "num-slaves")}/${field(s, "num-other-sentinels")}`);
            if (!/^OK/.test(redisCli(h.container, lab.password, SENTINEL_PORT, "SENTINEL", "CKQUORUM", "lab"))) throw new Error(`${h.name}: no quorum`);
            // A sentinel that was frozen (or whose clock jumped) stays in TILT for 30 s and takes no part in a
            // failover: the next fault would meet one sentinel fewer. Trials start from a whole cluster.
            if (field(redisCli(h.container, lab.password, SENTINEL_PORT, "INFO", "sentinel"), "sentinel_tilt") !== "0") throw new Error(`${h.name}: sentinel in TILT mode`);
            for (const kind of ["REPLICAS", "SENTINELS"]) {
                if (/s_down|o_down|disconnected/.test(redisCli(h.container, lab.password, SENTINEL_PORT, "SENTINEL", kind, "lab"))) throw new Error(`${h.name}: an entry is down`);
            }
            const info = redisCli(h.container, lab.password, REDIS_PORT, "INFO", "replication");
            if (h === master ? field(info, "connected_slaves") !== "2" : field(info, "master_link_status") !== "up" || field(info, "master_host") !== master.address) {
                throw new Error(`${h.name}: replication not settled`);
            }
        }
        return master;
    });
}

/** Runs one fault with the visit counter writing (each increment confirmed by `waitReplicas` replicas). */
export async function runFault(lab: TestLab, scenario: FaultScenario, opts: { waitReplicas: number; key: string; through?: { host: string; port: number } }): Promise<FaultResult> {
    const members = lab.hosts.slice(0, 3);
    const master = await waitHealthy(lab);
    const writer = startCounterWriter({
        masterName: "lab",
        sentinels: members.map((h) => ({ host: h.address, port: SENTINEL_PORT })),
        password: lab.password,
        key: opts.key,
        waitReplicas: opts.waitReplicas,
        maxSeconds: 400,
        address: opts.through,
    });
    let report: CounterReport | undefined;
    let failoverSeconds: number | null = null;
    let stepSeconds: number | null = null;
    let injectedAt = 0;
    let healedAt = 0;
    try {
        // The writer is proven running before the fault: a first confirmed visit, then a few more.
        await writer.ready;
        await eventually("the counter writes", 30, () => {
            if (writer.confirmed() < 20) throw new Error(`${writer.confirmed()} confirmed`);
        });
        injectedAt = Date.now();
        await scenario.inject(lab, master);
        if (scenario.operation) stepSeconds = (Date.now() - injectedAt) / 1000;
        else if (scenario.expectFailover) {
            const others = members.filter((h) => h !== master);
            await eventually("a failover", 120, () => {
                const seen = masterSeenFrom(lab, others);
                if (seen.some((m) => m === "" || m === master.address) || seen[0] !== seen[1]) throw new Error(`sentinels see ${seen.join(", ")}`);
            });
            failoverSeconds = (Date.now() - injectedAt) / 1000;
        }
        healedAt = Date.now();
        await scenario.heal(lab, master);
        await waitHealthy(lab);
        // Writes go on after the fault: the client found the master again.
        const after = writer.confirmed();
        await eventually("writes after the fault", 60, () => {
            if (writer.confirmed() < after + 20) throw new Error(`${writer.confirmed() - after} confirmed since`);
        });
    } finally {
        // Read back with the password the cluster has now (a rotation changes it).
        report = await writer.stop(lab.password);
    }
    if (report.stoppedByBound) throw new Error(`the fault outlasted the writer's bound: ${JSON.stringify(report)}`);
    const newMaster = await waitHealthy(lab);
    return {
        scenario: scenario.name,
        description: scenario.description,
        oldMaster: master.name,
        newMaster: newMaster.name,
        failedOver: newMaster !== master,
        failoverSeconds,
        stepSeconds,
        writeOutageSeconds: report.longestGapMs / 1000,
        confirmed: report.confirmed,
        unconfirmed: report.unconfirmed,
        errors: report.errors,
        readonly: report.readonly,
        lost: report.lost,
        keptUnconfirmed: report.keptUnconfirmed,
        // An operation hands mastership over on purpose; without a failover there is no "old" master.
        ...stuckOnOldMaster(newMaster !== master && !scenario.operation ? writer.attempts() : [], master, injectedAt),
        healedAtSeconds: (healedAt - injectedAt) / 1000,
        lostVisits: report.lostIds.map((v) => ({ id: v.id, node: v.node, atSeconds: (v.confirmedAt - injectedAt) / 1000 })),
    };
}

/**
 * What the client did on the old master after the fault: visits it accepted that no replica confirmed,
 * and the last answer it got from there (a timeout on the old connection counts: the client was still
 * waiting on it).
 */
function stuckOnOldMaster(attempts: readonly VisitAttempt[], master: LabHost, injectedAt: number): Pick<FaultResult, "oldMasterAcceptedUnconfirmed" | "stuckOnOldMasterSeconds"> {
    const there = attempts.filter((a) => a.at >= injectedAt && a.node === `${master.address}:${REDIS_PORT}` && a.outcome !== "confirmed");
    return {
        oldMasterAcceptedUnconfirmed: there.filter((a) => a.outcome === "waitShort").length,
        stuckOnOldMasterSeconds: there.length ? (Math.max(...there.map((a) => a.at)) - injectedAt) / 1000 : 0,
    };
}

/** Stack config of the fault lab: the durability policy under test. */
export const DURABILITY_CONFIG = {
    "redis-ha:quorum": 2,
    "redis-ha:sentinel": { downAfterMilliseconds: 3000, failoverTimeout: 10000 },
    // A master that has not heard from a replica for 2 s refuses writes: less than down-after-milliseconds,
    // so a master that was paused or cut off cannot take writes once the others have failed over
    // (with 10 s, a benchmark run lost one WAIT-confirmed increment when a paused master woke up).
    // AOF fsync every second.
    "redis-ha:redis": { minReplicasToWrite: 1, minReplicasMaxLag: 2, appendfsync: "everysec" },
};
