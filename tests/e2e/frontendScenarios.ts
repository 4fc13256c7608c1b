/**
 * The frontend's faults, measured the same way by the e2e spec (which asserts) and the benchmark
 * (which reports): clients that know only the VIP (non-Sentinel ioredis through runFault, and plain
 * redis-cli on a lab host) write through it while a fault hits, under the WAIT 1 policy.
 */
import { execFileSync } from "child_process";
import { CliWriterReport, startCliWriter } from "./cliWriter";
import { DURABILITY_CONFIG, FaultResult, FaultScenario, runFault, waitHealthy } from "./faultScenarios";
import { TestLab, eventually, field, onHost, redisCli } from "./labHarness";

type LabHost = TestLab["hosts"][number];

/** The frontend lab: five hosts, the first three data nodes with sentinels (as every fault lab), lab-4 and lab-5 the frontends. */
export const FRONTEND_LAB_HOSTS = 5;
export const FRONTEND_PORT = 6390;

export function frontendConfig(subnetPrefix: string) {
    const vip = `${subnetPrefix}.100`;
    return {
        vip,
        through: { host: vip, port: FRONTEND_PORT },
        config: {
            ...DURABILITY_CONFIG,
            "redis-ha:frontend": { hosts: ["lab-4", "lab-5"], vip, port: FRONTEND_PORT },
            "redis-ha:metrics": { enabled: true },
        },
    };
}

export const frontendHosts = (lab: TestLab): LabHost[] => lab.hosts.slice(3);

/** The frontend hosts that have the VIP on an interface now. */
export function vipHolders(lab: TestLab, vip: string): LabHost[] {
    return frontendHosts(lab).filter((h) => onHost(h.container, "ip -o addr show").includes(` ${vip}/`));
}

/** READONLY errors each data node has replied so far (INFO errorstats; a restarted node starts again from none). */
function readonlyCounts(lab: TestLab): Record<string, number> {
    return Object.fromEntries(lab.hosts.slice(0, 3).map((h) => [h.name, Number(/count=(\d+)/.exec(field(redisCli(h.container, lab.password, 6389, "INFO", "errorstats"), "errorstat_READONLY") ?? "")?.[1] ?? 0)]));
}

/** The kill of the frontend host that holds the VIP; `takeover` says when the other one held it and answered at it as the master. */
export function frontendKilled(vip: string): FaultScenario & { takeover: { seconds: number | null; answeredAsMaster: boolean } } {
    let holder: LabHost | undefined;
    const takeover = { seconds: null as number | null, answeredAsMaster: false };
    return {
        name: "frontend-killed",
        description: "the frontend host holding the VIP killed (docker kill), started again",
        expectFailover: false,
        takeover,
        inject: async (lab) => {
            const [current] = vipHolders(lab, vip);
            if (!current) throw new Error("no frontend host holds the VIP");
            holder = current;
            const killedAt = Date.now();
            execFileSync("docker", ["kill", current.container], { stdio: "ignore" });
            const other = frontendHosts(lab).find((h) => h !== current)!;
            await eventually("the other frontend to take the VIP", 30, () => {
                if (!onHost(other.container, "ip -o addr show").includes(` ${vip}/`)) throw new Error("not yet");
            });
            takeover.seconds = (Date.now() - killedAt) / 1000;
            takeover.answeredAsMaster = onHost(other.container, `redis-cli --no-auth-warning --raw -h ${vip} -p ${FRONTEND_PORT} ROLE | head -n 1`, lab.password).trim() === "master";
        },
        heal: async () => {
            if (!holder) return;
            execFileSync("docker", ["start", holder.container], { stdio: "ignore" });
            const back = holder;
            await eventually("the frontend host back with its HAProxy and keepalived", 120, () => {
                if (!/^active\nactive/.test(onHost(back.container, "systemctl is-active redis-ha-lab-haproxy redis-ha-lab-keepalived || true"))) throw new Error("not yet");
            });
        },
    };
}

export interface ThroughVipResult {
    /** The non-Sentinel ioredis writer (runFault's). */
    ioredis: FaultResult;
    /** The plain redis-cli writer. */
    cli: CliWriterReport;
    /** READONLY replies the data nodes that kept running counted during the fault: writes the frontend sent to a replica. */
    readonlyOnNodes: number;
}

/** Runs `scenario` with both VIP clients writing; `cliHost` picks the lab host the redis-cli writer runs on (one the fault spares). */
export async function runThroughVip(lab: TestLab, scenario: FaultScenario, through: { host: string; port: number }, cliHost: (master: LabHost) => LabHost, key: string): Promise<ThroughVipResult> {
    const master = await waitHealthy(lab);
    const before = readonlyCounts(lab);
    const cli = startCliWriter(lab, cliHost(master).container, through, `${key}:cli`);
    let cliReport: CliWriterReport | undefined;
    let ioredis: FaultResult;
    try {
        await eventually("the redis-cli writer writes", 30, () => {
            if (cli.confirmed() < 10) throw new Error(`${cli.confirmed()} confirmed`);
        });
        ioredis = await runFault(lab, scenario, { waitReplicas: 1, key: `${key}:ioredis`, through });
    } finally {
        cliReport = await cli.stop();
    }
    const after = readonlyCounts(lab);
    // A node killed by the fault restarted its counters: only the ones that kept running count.
    const restarted = scenario.name === "master-killed" ? master.name : "";
    const readonlyOnNodes = Object.keys(after)
        .filter((name) => name !== restarted)
        .reduce((sum, name) => sum + Math.max(0, (after[name] ?? 0) - (before[name] ?? 0)), 0);
    return { ioredis, cli: cliReport, readonlyOnNodes };
}

/** keepalived's VRRP priority on each frontend host, from the file redis-ha wrote there. */
export function vrrpPriorities(lab: TestLab, cluster: string): Record<string, number> {
    return Object.fromEntries(frontendHosts(lab).map((h) => [h.name, Number(/^\s*priority (\d+)/m.exec(onHost(h.container, `cat /etc/redis-ha/${cluster}.frontend/keepalived.conf`))?.[1])]));
}

/**
 * Resolves once exactly one frontend host holds the VIP and still does `window` s later (sampled
 * every second): two holders that have not yet seen each other's adverts do not count as settled.
 */
export async function settledOnOneHolder(lab: TestLab, vip: string, window = 5, seconds = 60): Promise<LabHost> {
    return eventually("exactly one frontend host holding the VIP, for a while", seconds, async () => {
        let holder: LabHost | undefined;
        for (let i = 0; i <= window; i++) {
            const holders = vipHolders(lab, vip);
            if (holders.length !== 1) throw new Error(`held by [${holders.map((h) => h.name).join(", ")}]`);
            if (holder && holders[0] !== holder) throw new Error(`moved from ${holder.name} to ${holders[0]!.name}`);
            holder = holders[0];
            if (i < window) await new Promise((r) => setTimeout(r, 1000));
        }
        return holder!;
    });
}

/** Waits until `host` alone holds the VIP. */
async function heldBy(lab: TestLab, vip: string, host: LabHost, what: string): Promise<void> {
    await eventually(what, 30, () => {
        const holders = vipHolders(lab, vip).map((h) => h.name);
        if (holders.length !== 1 || holders[0] !== host.name) throw new Error(`held by [${holders.join(", ")}]`);
    });
}

/**
 * nopreempt: the VIP holder's HAProxy stopped (keepalived's check hands the VIP to the other host)
 * and started again; the holder must be the higher-priority host, which would take the VIP back
 * without nopreempt. `seen` lists, one per second of a bounded window after it is eligible again,
 * who held the VIP.
 */
export function frontendBackWithoutPreempting(vip: string): FaultScenario & { seen: string[][] } {
    const seen: string[][] = [];
    return {
        name: "frontend-back-nopreempt",
        description: "the VIP holder's HAProxy stopped, then started again: the VIP stays on the other host",
        expectFailover: false,
        seen,
        inject: async (lab) => {
            const [holder] = vipHolders(lab, vip);
            if (!holder) throw new Error("no frontend host holds the VIP");
            const other = frontendHosts(lab).find((h) => h !== holder)!;
            onHost(holder.container, "systemctl stop redis-ha-lab-haproxy");
            try {
                await heldBy(lab, vip, other, "the other frontend to take the VIP");
            } finally {
                onHost(holder.container, "systemctl start redis-ha-lab-haproxy");
            }
            await eventually("the former holder's HAProxy active again", 30, () => {
                if (onHost(holder.container, "systemctl is-active redis-ha-lab-haproxy || true").trim() !== "active") throw new Error("not yet");
            });
            // keepalived's check (every second, rise 1) sees HAProxy at once; a preempting host would take the VIP within a few adverts.
            for (let i = 0; i < 20; i++) {
                await new Promise((r) => setTimeout(r, 1000));
                seen.push(vipHolders(lab, vip).map((h) => h.name));
            }
        },
        heal: () => Promise.resolve(),
    };
}

/** The frontend host holding the VIP paused (`docker pause`: every process frozen, as a stalled VM), for `seconds`, then resumed. */
export function frontendPaused(vip: string, seconds = 15): FaultScenario & { afterResume: string[] } {
    let holder: LabHost | undefined;
    const afterResume: string[] = [];
    return {
        name: "frontend-paused",
        description: `the frontend host holding the VIP paused (docker pause) for ${seconds} s`,
        expectFailover: false,
        afterResume,
        inject: async (lab) => {
            const [current] = vipHolders(lab, vip);
            if (!current) throw new Error("no frontend host holds the VIP");
            holder = current;
            const pausedAt = Date.now();
            execFileSync("docker", ["pause", current.container], { stdio: "ignore" });
            try {
                const other = frontendHosts(lab).find((h) => h !== current)!;
                // A paused host still has the VIP on its interface; only the other one's is asked.
                await eventually("the other frontend to take the VIP", 30, () => {
                    if (!onHost(other.container, "ip -o addr show").includes(` ${vip}/`)) throw new Error("not yet");
                });
                await new Promise((r) => setTimeout(r, Math.max(0, seconds * 1000 - (Date.now() - pausedAt))));
            } finally {
                execFileSync("docker", ["unpause", current.container], { stdio: "ignore" });
            }
        },
        heal: async (lab) => {
            if (!holder) return;
            afterResume.push((await settledOnOneHolder(lab, vip)).name);
        },
    };
}

/**
 * The frontend host holding the VIP cut off from the other frontend and from every data node: inside
 * it, each of those lab addresses gets a permanent neighbour entry with a MAC no host has, so every
 * frame it sends them is dropped (only lab addresses; its clients still reach it). A blackhole route
 * would not do: keepalived's VRRP socket is bound to the interface and its adverts got through one.
 * It keeps the VIP (it hears nothing it must yield to) while the other host takes it too, and its
 * HAProxy reaches no node: no connection through it may reach a replica.
 */
export function frontendPartitioned(vip: string, seconds = 15): FaultScenario & { afterHeal: string[] } {
    let holder: LabHost | undefined;
    let cut: string[] = [];
    const afterHeal: string[] = [];
    const dev = (a: string) => `$(ip -o route get ${a} | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')`;
    // `|| true` per entry: healing must undo every one, even if one was never set; ARP then finds the real MACs again.
    const unblock = () => holder && onHost(holder.container, cut.map((a) => `{ ip neigh del ${a} dev ${dev(a)} 2>/dev/null || true; }`).join("; "));
    return {
        name: "frontend-partitioned",
        description: `the frontend host holding the VIP cut off from the other frontend and the data nodes for ${seconds} s`,
        expectFailover: false,
        afterHeal,
        inject: async (lab) => {
            const [current] = vipHolders(lab, vip);
            if (!current) throw new Error("no frontend host holds the VIP");
            holder = current;
            cut = lab.hosts.filter((h) => h !== current).map((h) => h.address);
            const other = frontendHosts(lab).find((h) => h !== current)!;
            const cutAt = Date.now();
            try {
                onHost(current.container, cut.map((a) => `ip neigh replace ${a} lladdr 02:00:00:00:00:01 nud permanent dev ${dev(a)}`).join(" && "));
                await eventually("the other frontend to take the VIP", 30, () => {
                    if (!onHost(other.container, "ip -o addr show").includes(` ${vip}/`)) throw new Error("not yet");
                });
                await new Promise((r) => setTimeout(r, Math.max(0, seconds * 1000 - (Date.now() - cutAt))));
            } catch (err) {
                // runFault heals only after a fault that went in: leave no host cut off behind a failed one.
                unblock();
                throw err;
            }
        },
        heal: async (lab) => {
            if (!holder) return;
            unblock();
            afterHeal.push((await settledOnOneHolder(lab, vip)).name);
        },
    };
}
