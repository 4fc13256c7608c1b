/**
 * Validation of `frontend` (HAProxy + keepalived holding a VIP) and `metrics` (the exporters). Pure,
 * like the rest of validation: a bad VIP, a frontend host listed twice or a port already taken is
 * refused at preview, naming the field and the fix, before any host is contacted.
 */
import * as crypto from "crypto";
import * as net from "net";
import { EXISTING_EXPORTER_PORT, EXISTING_REDIS_PORT, EXISTING_SENTINEL_PORT, FRONTEND_DEFAULTS, METRICS_DEFAULTS, MIN_UNPRIVILEGED_PORT } from "./defaults";
import { FrontendSpec, HostSpec, MetricsSpec } from "./spec";
import { FrontendSettings, MetricsSettings } from "./types";

type Report = (field: string, problem: string, fix: string) => void;

/** What the frontend and metrics are checked against: the cluster's hosts and ports as already resolved. */
export interface PortContext {
    hosts: HostSpec[];
    redisPort: number;
    sentinelPort: number;
    /** The cluster speaks TLS (not supported by the frontend or the exporters yet). */
    tls: boolean;
    lookup: (field: string, name: unknown) => HostSpec | undefined;
}

const INTERFACE_NAME = /^[A-Za-z0-9_.:-]{1,15}$/;

/** A VRRP router id from the cluster name, so two clusters' frontends on one network differ unless told otherwise. */
export function defaultVirtualRouterId(clusterName: string): number {
    return (crypto.createHash("sha256").update(clusterName).digest().readUInt16BE(0) % 255) + 1;
}

/** A port our services bind as an unprivileged user: an integer from 1024, not the distribution's Redis, Sentinel or exporter, nor any host's SSH port. */
function checkServicePort(report: Report, field: string, port: unknown, hosts: HostSpec[], defaultPort: number): port is number {
    const fix = `use another port from ${MIN_UNPRIVILEGED_PORT} to 65535 (default ${defaultPort})`;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
        report(field, `${JSON.stringify(port)} is not a TCP port`, "use an integer from 1 to 65535");
        return false;
    }
    if (port < MIN_UNPRIVILEGED_PORT) {
        report(field, `${port} is a privileged port, which the hardened unit (no capabilities) cannot bind`, fix);
        return false;
    }
    if (port === EXISTING_REDIS_PORT || port === EXISTING_SENTINEL_PORT || port === EXISTING_EXPORTER_PORT) {
        report(field, `${port} is the port of the distribution's own Redis, Sentinel or redis exporter, which must stay untouched`, fix);
        return false;
    }
    const sshHost = hosts.find((h) => h.sshPort === port);
    if (sshHost) {
        report(field, `${port} is the SSH port of host ${JSON.stringify(sshHost.name)}`, fix);
        return false;
    }
    return true;
}

/** Ports must not collide with one another: the first field that takes a port keeps it. */
function claimPorts(report: Report, claims: Array<[field: string, port: number | undefined]>): void {
    const taken = new Map<number, string>();
    for (const [field, port] of claims) {
        if (port === undefined) continue;
        const owner = taken.get(port);
        if (owner !== undefined) report(field, `${port} is already ${owner}'s port`, `give ${field} a port of its own`);
        else taken.set(port, field);
    }
}

export function resolveFrontendSettings(clusterName: string, s: FrontendSettings | undefined, c: PortContext, report: Report): FrontendSpec | undefined {
    if (s === undefined) return undefined;
    if (typeof s !== "object" || s === null) {
        report("frontend", `${JSON.stringify(s)} is not an object`, "set frontend to {hosts: [two host names], vip: <IPv4 address>}, or leave it out");
        return undefined;
    }
    if (c.tls) {
        report("frontend", "is not supported together with `tls` yet (HAProxy's role check would have to speak TLS)", "leave frontend out, or turn tls off");
    }
    const hosts: HostSpec[] = [];
    if (!Array.isArray(s.hosts) || s.hosts.length !== 2) {
        report(
            "frontend.hosts",
            `${JSON.stringify(s.hosts)} is not two host names: keepalived moves the VIP between exactly two frontend hosts`,
            "list two hosts from `hosts`, e.g. [\"lb-1\", \"lb-2\"]; they may also carry data nodes or sentinels",
        );
    } else if (s.hosts[0] === s.hosts[1]) {
        report("frontend.hosts[1]", `host ${JSON.stringify(s.hosts[1])} is listed twice: one machine failing would take the VIP down`, "list two different hosts");
    } else {
        s.hosts.forEach((name, i) => {
            const host = c.lookup(`frontend.hosts[${i}]`, name);
            if (host) hosts.push(host);
        });
    }
    const vip = s.vip;
    if (typeof vip !== "string" || !net.isIPv4(vip)) {
        report("frontend.vip", `${JSON.stringify(vip)} is not an IPv4 address`, "give a free IPv4 address on the frontend hosts' network, e.g. 10.0.0.100");
    } else if (/^(0|127|22[4-9]|23\d|24\d|25[0-5])\./.test(vip) || vip.startsWith("169.254.")) {
        report("frontend.vip", `${vip} is a loopback, link-local, multicast or reserved address`, "give a free unicast address on the frontend hosts' network");
    } else {
        const holder = c.hosts.find((h) => h.announceAddress === vip || h.sshHost === vip || h.bind.includes(vip));
        if (holder) {
            report("frontend.vip", `${vip} is an address of host ${JSON.stringify(holder.name)}: keepalived would add it to one frontend host and take it away, cutting that host off`, "give an address no host has");
        }
    }
    const prefix = s.vipPrefixLength ?? FRONTEND_DEFAULTS.vipPrefixLength;
    if (!Number.isInteger(prefix) || prefix < 1 || prefix > 32) {
        report("frontend.vipPrefixLength", `${JSON.stringify(s.vipPrefixLength)} is not a prefix length`, `use an integer from 1 to 32 (default ${FRONTEND_DEFAULTS.vipPrefixLength})`);
    }
    const port = s.port ?? FRONTEND_DEFAULTS.port;
    checkServicePort(report, "frontend.port", port, c.hosts, FRONTEND_DEFAULTS.port);
    if (s.interface !== undefined && (typeof s.interface !== "string" || !INTERFACE_NAME.test(s.interface))) {
        report("frontend.interface", `${JSON.stringify(s.interface)} is not a network interface name`, "give the interface's name as `ip link` shows it (e.g. eth0), or leave it out to use the one holding each host's address");
    }
    const virtualRouterId = s.virtualRouterId ?? defaultVirtualRouterId(clusterName);
    if (!Number.isInteger(virtualRouterId) || virtualRouterId < 1 || virtualRouterId > 255) {
        report("frontend.virtualRouterId", `${JSON.stringify(s.virtualRouterId)} is not a VRRP router id`, "use an integer from 1 to 255 that no other VRRP router on the network uses");
    }
    return { hosts, vip, vipPrefixLength: prefix, port, interface: s.interface, virtualRouterId };
}

export function resolveMetricsSettings(s: MetricsSettings | undefined, c: PortContext, ipAllowList: string[], resolveAllowList: (field: string, list: unknown) => string[], report: Report): MetricsSpec | undefined {
    if (s === undefined) return undefined;
    if (typeof s !== "object" || s === null) {
        report("metrics", `${JSON.stringify(s)} is not an object`, "set metrics to {enabled: true}, or leave it out");
        return undefined;
    }
    if (s.enabled !== undefined && typeof s.enabled !== "boolean") {
        report("metrics.enabled", `${JSON.stringify(s.enabled)} is not true or false`, "set it to true or false (default false)");
    }
    if (s.enabled !== true) return undefined;
    if (c.tls) report("metrics", "is not supported together with `tls` yet (the exporters would have to speak TLS)", "turn metrics off, or tls off");
    const redisExporterPort = s.redisExporterPort ?? METRICS_DEFAULTS.redisExporterPort;
    const sentinelExporterPort = s.sentinelExporterPort ?? METRICS_DEFAULTS.sentinelExporterPort;
    checkServicePort(report, "metrics.redisExporterPort", redisExporterPort, c.hosts, METRICS_DEFAULTS.redisExporterPort);
    checkServicePort(report, "metrics.sentinelExporterPort", sentinelExporterPort, c.hosts, METRICS_DEFAULTS.sentinelExporterPort);
    const allowList = s.allowList === undefined ? [...ipAllowList] : resolveAllowList("metrics.allowList", s.allowList);
    return { redisExporterPort, sentinelExporterPort, allowList };
}

/** Every port of the cluster, each used once (a frontend may share a host with a data node and its exporter). */
export function checkPortsDistinct(c: PortContext, frontend: FrontendSpec | undefined, metrics: MetricsSpec | undefined, report: Report): void {
    claimPorts(report, [
        ["redisPort", c.redisPort],
        ["sentinelPort", c.sentinelPort === c.redisPort ? undefined : c.sentinelPort],
        ["frontend.port", frontend?.port],
        ["metrics.redisExporterPort", metrics?.redisExporterPort],
        ["metrics.sentinelExporterPort", metrics?.sentinelExporterPort],
    ]);
}
