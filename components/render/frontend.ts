/**
 * Rendering of the frontend (HAProxy, keepalived) and the exporters: resolved data in, file text out.
 * No Pulumi here; unit tested with golden files.
 */
import { EXPORTER_BINARY, FRONTEND_BINARIES, FRONTEND_DEFAULTS } from "../config/defaults";
import { ClusterSpec, FrontendSpec, HostSpec, MetricsSpec } from "../config/spec";
import { ServiceKind, UNPRIVILEGED_HARDENING, ipAddressAllow, renderTemplate } from "./render";

/** A command in Redis's wire protocol (RESP), as a client sends it: any byte of an argument survives, spaces and quotes included. */
export function respCommand(...args: string[]): string {
    return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, "utf8")}\r\n${a}\r\n`).join("")}`;
}

const hex = (text: string) => Buffer.from(text, "utf8").toString("hex");

/** The interface keepalived's file names when the stack gives none: the frontend step puts the host's own in its place. */
export const INTERFACE_PLACEHOLDER = "@interface@";

/** The frontend spec of a cluster that has one (callers only ask for frontend hosts). */
export function frontendOf(spec: ClusterSpec): FrontendSpec {
    if (!spec.frontend) throw new Error("internal: the cluster has no frontend");
    return spec.frontend;
}

/** The metrics spec of a cluster that has them (callers only ask for exporters). */
export function metricsOf(spec: ClusterSpec): MetricsSpec {
    if (!spec.metrics) throw new Error("internal: the cluster has no metrics");
    return spec.metrics;
}

/** The port an exporter listens on. */
export function exporterPort(metrics: MetricsSpec, kind: ServiceKind): number {
    return kind === "server" ? metrics.redisExporterPort : metrics.sentinelExporterPort;
}

/** Every data node, the configured master first (the order does not matter to HAProxy: at most one qualifies). */
function dataNodes(spec: ClusterSpec): HostSpec[] {
    return [spec.master, ...spec.replicas];
}

/** HAProxy's file on a frontend host: each data node's role check, and each sentinel's vote for it. */
export function renderHaproxyConf(spec: ClusterSpec, host: HostSpec, password: string): string {
    const frontend = frontendOf(spec);
    const auth = respCommand("AUTH", password);
    const quit = respCommand("QUIT");
    return renderTemplate("haproxy.cfg.njk", {
        clusterName: spec.clusterName,
        hostName: host.name,
        checkTimeoutMs: FRONTEND_DEFAULTS.checkTimeoutMs,
        checkIntervalMs: FRONTEND_DEFAULTS.checkIntervalMs,
        vip: frontend.vip,
        port: frontend.port,
        majority: Math.floor(spec.sentinels.length / 2) + 1,
        sentinelCount: spec.sentinels.length,
        redisPort: spec.redisPort,
        sentinelPort: spec.sentinelPort,
        nodes: dataNodes(spec).map((n) => ({
            name: n.name,
            address: n.announceAddress,
            roleCheck: hex(auth + respCommand("INFO", "replication") + quit),
            // GET-MASTER-ADDR-BY-NAME replies with the address as a bulk string: CRLF on both sides, so 10.0.0.1 never matches 10.0.0.12.
            addressReply: hex(`\r\n${n.announceAddress}\r\n`),
        })),
        voteCheck: hex(auth + respCommand("SENTINEL", "get-master-addr-by-name", spec.masterName) + quit),
        sentinels: spec.sentinels.map((s) => ({ name: s.name, address: s.announceAddress })),
    });
}

/** keepalived's file on frontend host `host` (index 0 or 1 of `frontend.hosts`: its priority). */
export function renderKeepalivedConf(spec: ClusterSpec, host: HostSpec): string {
    const frontend = frontendOf(spec);
    const index = frontend.hosts.findIndex((h) => h.name === host.name);
    const peer = frontend.hosts[1 - index];
    if (index < 0 || !peer) throw new Error(`internal: ${host.name} is not a frontend host`);
    return renderTemplate("keepalived.conf.njk", {
        clusterName: spec.clusterName,
        hostName: host.name,
        haproxyUnit: spec.paths.haproxyUnitName,
        interface: frontend.interface ?? INTERFACE_PLACEHOLDER,
        virtualRouterId: frontend.virtualRouterId,
        priority: FRONTEND_DEFAULTS.priorities[index],
        advertInterval: FRONTEND_DEFAULTS.advertIntervalSeconds,
        selfAddress: host.announceAddress,
        peerAddress: peer.announceAddress,
        vip: frontend.vip,
        vipPrefixLength: frontend.vipPrefixLength,
    });
}

/** HAProxy's hardened unit: the haproxy user, no capabilities; clients as the stack allows, the cluster's hosts, the VIP. */
export function renderHaproxyUnit(spec: ClusterSpec): string {
    const frontend = frontendOf(spec);
    const { paths } = spec;
    return renderTemplate("redis-ha-haproxy.service.njk", {
        clusterName: spec.clusterName,
        vip: frontend.vip,
        port: frontend.port,
        binary: FRONTEND_BINARIES.haproxy,
        conf: paths.haproxyConf,
        runtimeDirectory: paths.haproxyRuntimeDir,
        // Two descriptors per proxied connection: as many connections as the master takes (maxclients), and some for the checks.
        limitNofile: spec.redis.maxclients * 2 + 1024,
        readWritePaths: [],
        execPaths: `${FRONTEND_BINARIES.haproxy} /usr/lib /lib`,
        ipAddressAllow: ipAddressAllow(spec, [...spec.ipAllowList, frontend.vip]).join(" "),
        allowListReason: "localhost, the cluster's hosts (checks), the stack's ipAllowList (clients), the VIP",
        ...UNPRIVILEGED_HARDENING,
    });
}

/** keepalived's hardened unit: root with the network capabilities only, talking to the other frontend host alone. */
export function renderKeepalivedUnit(spec: ClusterSpec): string {
    const frontend = frontendOf(spec);
    const { paths } = spec;
    // The VIP, the VRRP and ARP sockets; and CAP_SETGID, with which keepalived drops supplementary groups before it runs its check.
    const caps = "CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BROADCAST CAP_SETGID";
    return renderTemplate("redis-ha-keepalived.service.njk", {
        clusterName: spec.clusterName,
        vip: frontend.vip,
        haproxyUnit: paths.haproxyUnitName,
        binary: FRONTEND_BINARIES.keepalived,
        conf: paths.keepalivedConf,
        runtimeDirectory: paths.keepalivedRuntimeDir,
        readWritePaths: [],
        // keepalived runs its check (systemctl) itself.
        execPaths: `${FRONTEND_BINARIES.keepalived} /usr/bin/systemctl /usr/lib /lib`,
        ipAddressAllow: ["localhost", ...frontend.hosts.map((h) => h.announceAddress)].join(" "),
        allowListReason: "localhost and the two frontend hosts (VRRP adverts)",
        capabilities: caps,
        ambientCapabilities: "",
        // Capabilities must stay the host's: no user namespace of its own, and privileged calls allowed.
        privateUsers: false,
        deniedCalls: "",
        addressFamilies: "AF_INET AF_INET6 AF_UNIX AF_NETLINK AF_PACKET",
    });
}

/** The address an exporter listens on and the one it scrapes. */
export function exporterEndpoint(spec: ClusterSpec, metrics: MetricsSpec, host: HostSpec, kind: ServiceKind): { listen: string; scrapes: string } {
    const target = kind === "server" ? spec.redisPort : spec.sentinelPort;
    return { listen: `${host.announceAddress}:${exporterPort(metrics, kind)}`, scrapes: `redis://127.0.0.1:${target}` };
}

/** The exporter's hardened unit for the data node or the sentinel on `host`. */
export function renderExporterUnit(spec: ClusterSpec, metrics: MetricsSpec, host: HostSpec, kind: ServiceKind): string {
    const { paths } = spec;
    return renderTemplate("redis-ha-exporter.service.njk", {
        clusterName: spec.clusterName,
        kind: kind === "server" ? "data node" : "sentinel",
        serviceUnit: kind === "server" ? paths.redisUnitName : paths.sentinelUnitName,
        ...exporterEndpoint(spec, metrics, host, kind),
        binary: EXPORTER_BINARY,
        passwordFile: paths.exporterPasswordFile[kind],
        runtimeDirectory: paths.exporterRuntimeDir[kind],
        readWritePaths: [],
        execPaths: `${EXPORTER_BINARY} /usr/lib /lib`,
        ipAddressAllow: ipAddressAllow(spec, metrics.allowList).join(" "),
        allowListReason: "localhost (the node it scrapes), the cluster's hosts (redis-ha's own checks), metrics.allowList (the scrapers)",
        ...UNPRIVILEGED_HARDENING,
        // Go's runtime raises its own open-file limit at start (setrlimit, in @resources).
        deniedCalls: "@privileged",
    });
}

/**
 * The exporter's password file (`-redis.password-file`): JSON, keyed by the one address it scrapes.
 * Not `REDIS_PASSWORD` or `-redis.password`: the exporter's `/scrape?target=` would send those to any
 * target a scraper names, so anyone allowed to scrape could collect the password on a listener of
 * their own. With the file, only redis://127.0.0.1:<port> gets it.
 */
export function renderExporterPasswordFile(spec: ClusterSpec, metrics: MetricsSpec, host: HostSpec, kind: ServiceKind, password: string): string {
    return `${JSON.stringify({ [exporterEndpoint(spec, metrics, host, kind).scrapes]: password })}\n`;
}
