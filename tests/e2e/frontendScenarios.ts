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
