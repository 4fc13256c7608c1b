/**
 * Faults injected into a lab while the visit counter writes through Sentinel, measured the same way
 * by the e2e spec (which asserts) and the benchmark (which reports): one implementation of each fault.
 */
import { execFileSync } from "child_process";
import { CounterReport, startCounterWriter } from "../../examples/visit-counter/counter";
import { TestLab, eventually, field, onHost, redisCli } from "./labHarness";

const REDIS_PORT = 6389;
const SENTINEL_PORT = 26389;
const SENTINEL_UNIT = "redis-ha-lab-sentinel.service";

type LabHost = TestLab["hosts"][number];

export interface FaultScenario {
    name: string;
    /** What a user would call it. */
    description: string;
    /** true: Sentinel must fail over; false: it must not; undefined: either is fine. */
    expectFailover: boolean | undefined;
    /**
     * Confirmed writes this fault may lose (default 0). Only the paused master has a bound above 0:
     * measured, not yet explained (issue 9; README "Durability").
     */
    confirmedLossBound?: number;
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
    /** Confirmed visits missing at the end. */
    lost: number;
    /** Unconfirmed visits Redis kept anyway. */
    keptUnconfirmed: number;
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
        // A master frozen past the failover that wakes up has lost exactly 1 WAIT-confirmed write in about
        // half of the trials so far (bench/results/faults.json, suite runs), never more: one write taken on
        // waking, before the master notices its replicas are gone, looks like the mechanism (issue 9).
        confirmedLossBound: 1,
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
export async function runFault(lab: TestLab, scenario: FaultScenario, opts: { waitReplicas: number; key: string }): Promise<FaultResult> {
    const members = lab.hosts.slice(0, 3);
    const master = await waitHealthy(lab);
    const writer = startCounterWriter({
        masterName: "lab",
        sentinels: members.map((h) => ({ host: h.address, port: SENTINEL_PORT })),
        password: lab.password,
        key: opts.key,
        waitReplicas: opts.waitReplicas,
        maxSeconds: 400,
    });
    let report: CounterReport | undefined;
    let failoverSeconds: number | null = null;
    try {
        // The writer is proven running before the fault: a first confirmed visit, then a few more.
        await writer.ready;
        await eventually("the counter writes", 30, () => {
            if (writer.confirmed() < 20) throw new Error(`${writer.confirmed()} confirmed`);
        });
        const injectedAt = Date.now();
        await scenario.inject(lab, master);
        if (scenario.expectFailover) {
            const others = members.filter((h) => h !== master);
            await eventually("a failover", 120, () => {
                const seen = masterSeenFrom(lab, others);
                if (seen.some((m) => m === "" || m === master.address) || seen[0] !== seen[1]) throw new Error(`sentinels see ${seen.join(", ")}`);
            });
            failoverSeconds = (Date.now() - injectedAt) / 1000;
        }
        await scenario.heal(lab, master);
        await waitHealthy(lab);
        // Writes go on after the fault: the client found the master again.
        const after = writer.confirmed();
        await eventually("writes after the fault", 60, () => {
            if (writer.confirmed() < after + 20) throw new Error(`${writer.confirmed() - after} confirmed since`);
        });
    } finally {
        report = await writer.stop();
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
        writeOutageSeconds: report.longestGapMs / 1000,
        confirmed: report.confirmed,
        unconfirmed: report.unconfirmed,
        errors: report.errors,
        lost: report.lost,
        keptUnconfirmed: report.keptUnconfirmed,
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
