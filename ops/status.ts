/**
 * `redis-ha status`: the live topology, as each host's Redis and Sentinel report it. Gathering runs
 * remote/status.sh and the drift check on every host at once; what it means (summarizeStatus) and
 * how it prints (formatStatus) are pure.
 */
import { ClusterSpec, HostSpec } from "../components/config/spec";
import { deploymentPlan, checkVars, statusVars } from "../components/plan/steps";
import { OperatedCluster, runCheck, runProgram } from "./stackCluster";

/** What one host reported, or why it could not. */
export interface HostReport {
    host: string;
    /** `key=value` lines of remote/status.sh, by key (`redis.role`, `sentinel.master`, ...). */
    values: Record<string, string>;
    /** What the drift check printed for each of our services there (empty: in sync). */
    drift: string[];
    /** Set when the host could not be asked. */
    error?: string;
}

export interface DataNodeStatus {
    unit: string;
    /** What it runs, as it reports itself (`redis 7.0.15`, `valkey 8.1.1`); empty when it does not answer. */
    server: string;
    /** Role as Redis reports it (`master`, `slave`). */
    role: string;
    /** For a replica: the master it follows (`ip:port`) and its link. */
    following?: string;
    link?: string;
    connectedReplicas?: number;
    /** Replication offset (the master's, or what a replica has processed). */
    offset?: number;
    /** For a replica: bytes behind the master's offset as reported in the same run. */
    lagBytes?: number;
    replicaPriority?: string;
}

export interface SentinelStatus {
    unit: string;
    /** What it runs (`redis 7.0.15`, `valkey 8.1.1`); empty when it does not answer. */
    server: string;
    /** The master it names (`ip:port`). */
    master: string;
    flags: string;
    configEpoch: string;
    replicas: string;
    otherSentinels: string;
    quorum: string;
    ckquorum: string;
    failoverState: string;
}

/** A frontend host (`frontend`): its two daemons, whether it holds the VIP, and where its HAProxy routes. */
export interface FrontendStatus {
    haproxy: string;
    keepalived: string;
    holdsVip: boolean;
    /** The role of the node this host's HAProxy reaches (`master`), or empty when it reaches none. */
    routesTo: string;
}

export interface HostStatus {
    host: string;
    address: string;
    error?: string;
    redis?: DataNodeStatus;
    sentinel?: SentinelStatus;
    frontend?: FrontendStatus;
    /** This host's exporters (`metrics`): unit name and state. */
    exporters?: Record<string, string>;
    /** Drift of our files and units against what redis-ha applied; empty when in sync. */
    drift: string[];
}

export interface ClusterStatus {
    stack: string;
    cluster: string;
    /** The master (`host`), when every sentinel that answers names the same one and it reports the master role. */
    master?: string;
    healthy: boolean;
    /** What is wrong, one sentence each; empty when healthy. */
    problems: string[];
    hosts: HostStatus[];
}

/** Asks every host at once. A host that cannot be reached is reported, not thrown. */
export async function gatherReports(cluster: OperatedCluster): Promise<HostReport[]> {
    const { spec } = cluster;
    const plan = deploymentPlan(spec);
    return Promise.all(
        plan.hosts.map(async (host): Promise<HostReport> => {
            try {
                const kinds = [...(plan.dataNodes.some((h) => h.name === host.name) ? (["server"] as const) : []), ...(spec.sentinels.some((h) => h.name === host.name) ? (["sentinel"] as const) : [])];
                const [out, ...checks] = await Promise.all([runProgram(cluster, host, "status", statusVars(spec, host)), ...kinds.map((kind) => runCheck(cluster, host, checkVars(spec, host, kind)))]);
                return { host: host.name, values: parseReport(out.stdout), drift: checks.flatMap((c) => c.stdout.split("\n").filter((l) => l.trim() !== "")) };
            } catch (err) {
                return { host: host.name, values: {}, drift: [], error: (err as Error).message.split("\n")[0] ?? String(err) };
            }
        }),
    );
}

/** `key=value` lines into a record (values may contain `=`). */
export function parseReport(text: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const at = line.indexOf("=");
        if (at > 0) values[line.slice(0, at)] = line.slice(at + 1);
    }
    return values;
}

const num = (v: string | undefined) => (v === undefined || v === "" || Number.isNaN(Number(v)) ? undefined : Number(v));

/** What the reports say about the cluster: who is master, and everything that is not as it should be. */
export function summarizeStatus(spec: ClusterSpec, stack: string, reports: HostReport[]): ClusterStatus {
    const plan = deploymentPlan(spec);
    const byAddress = new Map(plan.hosts.map((h) => [`${h.announceAddress}:${spec.redisPort}`, h.name]));
    const problems: string[] = [];
    const hosts: HostStatus[] = plan.hosts.map((host: HostSpec) => {
        const r = reports.find((x) => x.host === host.name);
        const v = r?.values ?? {};
        const status: HostStatus = { host: host.name, address: host.announceAddress, drift: r?.drift ?? [], ...(r?.error ? { error: r.error } : {}) };
        if (v["redis.unit"] !== undefined) {
            const role = v["redis.role"] ?? "";
            status.redis = {
                unit: v["redis.unit"],
                server: v["redis.server"] ?? "",
                role: role || "no answer",
                ...(role === "slave" ? { following: `${v["redis.master_host"] ?? ""}:${v["redis.master_port"] ?? ""}`, link: v["redis.master_link_status"] ?? "" } : {}),
                ...(role === "master" ? { connectedReplicas: num(v["redis.connected_slaves"]) } : {}),
                offset: num(role === "slave" ? v["redis.slave_repl_offset"] : v["redis.master_repl_offset"]),
                replicaPriority: v["redis.replica_priority"] ?? "",
            };
        }
        if (v["sentinel.unit"] !== undefined) {
            status.sentinel = {
                unit: v["sentinel.unit"],
                server: v["sentinel.server"] ?? "",
                master: v["sentinel.master"] ?? "",
                flags: v["sentinel.flags"] ?? "",
                configEpoch: v["sentinel.config-epoch"] ?? "",
                replicas: v["sentinel.num-slaves"] ?? "",
                otherSentinels: v["sentinel.num-other-sentinels"] ?? "",
                quorum: v["sentinel.quorum"] ?? "",
                ckquorum: v["sentinel.ckquorum"] ?? "",
                failoverState: v["sentinel.failover-state"] ?? "",
            };
        }
        if (v["frontend.haproxy"] !== undefined) {
            status.frontend = { haproxy: v["frontend.haproxy"], keepalived: v["frontend.keepalived"] ?? "", holdsVip: v["frontend.vip"] === "held", routesTo: v["frontend.routes"] ?? "" };
            if (status.frontend.haproxy !== "active") problems.push(`${host.name}: ${spec.paths.haproxyUnitName} is ${status.frontend.haproxy || "unknown"}`);
            if (status.frontend.keepalived !== "active") problems.push(`${host.name}: ${spec.paths.keepalivedUnitName} is ${status.frontend.keepalived || "unknown"}`);
            if (status.frontend.haproxy === "active" && status.frontend.routesTo !== "master") problems.push(`${host.name}: its HAProxy reaches no master (${status.frontend.routesTo || "no answer"})`);
        }
        const exporters = Object.entries(v).filter(([k]) => k.startsWith("exporter."));
        if (exporters.length) {
            status.exporters = Object.fromEntries(exporters.map(([k, state]) => [k.slice("exporter.".length), state]));
            for (const [unit, state] of Object.entries(status.exporters)) if (state !== "active") problems.push(`${host.name}: ${unit} is ${state || "unknown"}`);
        }
        if (status.error) problems.push(`${host.name}: cannot be asked: ${status.error}`);
        if (status.redis && status.redis.unit !== "active") problems.push(`${host.name}: ${spec.paths.redisUnitName} is ${status.redis.unit || "unknown"}`);
        if (status.sentinel && status.sentinel.unit !== "active") problems.push(`${host.name}: ${spec.paths.sentinelUnitName} is ${status.sentinel.unit || "unknown"}`);
        if (status.sentinel && status.sentinel.unit === "active" && !status.sentinel.ckquorum.startsWith("OK")) problems.push(`${host.name}: sentinel CKQUORUM: ${status.sentinel.ckquorum || "no answer"}`);
        if (status.redis?.role === "slave" && status.redis.link !== "up") problems.push(`${host.name}: replica link to ${status.redis.following ?? "?"} is ${status.redis.link || "unknown"}`);
        for (const d of status.drift) problems.push(`${host.name}: ${d}`);
        return status;
    });

    const named = [...new Set(hosts.flatMap((h) => (h.sentinel?.master ? [h.sentinel.master] : [])))];
    const masters = hosts.filter((h) => h.redis?.role === "master");
    let master: string | undefined;
    if (named.length > 1) problems.push(`sentinels disagree on the master: ${named.join(", ")}`);
    else if (named.length === 0) problems.push("no sentinel names a master");
    else {
        const [only = ""] = named;
        master = byAddress.get(only);
        if (!master) problems.push(`sentinels name ${only}, which is none of the cluster's data nodes`);
    }
    if (spec.frontend) {
        const holders = hosts.filter((h) => h.frontend?.holdsVip).map((h) => h.host);
        if (holders.length !== 1) problems.push(`the VIP ${spec.frontend.vip} is held by ${holders.length ? holders.join(" and ") : "no frontend host"}`);
    }
    if (masters.length > 1) problems.push(`more than one node reports the master role: ${masters.map((h) => h.host).join(", ")}`);
    if (master && !masters.some((h) => h.host === master)) problems.push(`sentinels name ${master}, which does not report the master role`);
    const masterHost = hosts.find((h) => h.host === master);
    const masterOffset = masterHost?.redis?.offset;
    for (const h of hosts) {
        if (h.redis?.role !== "slave") continue;
        if (masterHost && h.redis.following !== `${masterHost.address}:${spec.redisPort}`) problems.push(`${h.host}: follows ${h.redis.following ?? "?"}, not the master ${masterHost.host}`);
        if (masterOffset !== undefined && h.redis.offset !== undefined) h.redis.lagBytes = Math.max(0, masterOffset - h.redis.offset);
    }
    return { stack, cluster: spec.masterName, ...(master ? { master } : {}), healthy: problems.length === 0, problems, hosts };
}

/** The status as a table an operator reads, then the problems. */
export function formatStatus(status: ClusterStatus): string {
    const rows = [["HOST", "ADDRESS", "SERVER", "REDIS", "ROLE", "LINK", "OFFSET", "LAG", "PRIO", "SENTINEL", "NAMES MASTER", "EPOCH", "CKQUORUM", "IN SYNC"]];
    for (const h of status.hosts) {
        const r = h.redis;
        const s = h.sentinel;
        rows.push([
            h.host,
            h.address,
            serverCell(h),
            r?.unit ?? "-",
            r ? (r.role === "slave" ? "replica" : r.role) : "-",
            r?.link ?? (r?.connectedReplicas !== undefined ? `${r.connectedReplicas} replicas` : "-"),
            r?.offset !== undefined ? String(r.offset) : "-",
            r?.lagBytes !== undefined ? `${r.lagBytes} B` : "-",
            r?.replicaPriority || "-",
            s?.unit ?? "-",
            s?.master || "-",
            s?.configEpoch || "-",
            s ? (s.ckquorum.startsWith("OK") ? "OK" : s.ckquorum || "no answer") : "-",
            h.error ? "?" : h.drift.length === 0 ? "yes" : "no",
        ]);
    }
    const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
    const table = rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd());
    const head = `cluster ${status.cluster} (stack ${status.stack}): master ${status.master ?? "unknown"}, ${status.healthy ? "healthy" : "NOT healthy"}`;
    const frontends = status.hosts.flatMap((h) =>
        h.frontend ? [`frontend ${h.host}: haproxy ${h.frontend.haproxy}, keepalived ${h.frontend.keepalived}, ${h.frontend.holdsVip ? "holds the VIP" : "stands by"}, routes to ${h.frontend.routesTo || "nothing"}`] : [],
    );
    return [head, "", ...table, ...(frontends.length ? ["", ...frontends] : []), ...(status.problems.length ? ["", "problems:", ...status.problems.map((p) => `  - ${p}`)] : [])].join("\n");
}

/** What a host's services run: one name and version, or the data node's and the sentinel's when they differ (mid-migration). */
function serverCell(h: HostStatus): string {
    const found = [...new Set([h.redis?.server, h.sentinel?.server].filter((x): x is string => !!x))];
    return found.length ? found.join(" / ") : "-";
}

/** Gathers and summarizes. */
export async function clusterStatus(cluster: OperatedCluster): Promise<ClusterStatus> {
    return summarizeStatus(cluster.spec, cluster.stackName, await gatherReports(cluster));
}
