/**
 * Validation of a cluster description. Pure: it runs before any resource exists, so bad input fails
 * `pulumi preview` with a message that names the field and the fix, and no host is ever touched.
 */
import * as net from "net";
import {
    DEFAULT_REDIS_PORT,
    DEFAULT_SENTINEL_PORT,
    DEFAULT_SSH_PORT,
    DEFAULT_SSH_USER,
    EXISTING_REDIS_PORT,
    EXISTING_SENTINEL_PORT,
    ACL_DEFAULTS,
    REDIS_DEFAULTS,
    SENTINEL_DEFAULTS,
} from "./defaults";
import { AclSettings, HostArgs, RedisSettings, SentinelSettings, SshSettings, TlsSettings } from "./types";
import { resolveTlsSettings } from "./tls";
import { AclSpec, ClusterSpec, HostSpec, clusterPaths } from "./spec";

/** The plain part of a cluster description: everything but the secrets. */
export interface ClusterTopologyArgs {
    /** Cluster name: Sentinel master name, and part of unit names and paths. */
    clusterName: string;
    /** The hosts, each reachable over SSH. */
    hosts: HostArgs[];
    /** Name of the host whose Redis starts as master. */
    master: string;
    /** Names of the hosts whose Redis starts as replica. */
    replicas: string[];
    /** Names of the hosts that run a Sentinel. */
    sentinels: string[];
    /** Sentinels that must agree a master is down (default: a majority of `sentinels`). */
    quorum?: number;
    /** Redis port (default 6389). */
    redisPort?: number;
    /** Sentinel port (default 26389). */
    sentinelPort?: number;
    /** redis.conf settings. */
    redis?: RedisSettings;
    /** sentinel.conf settings. */
    sentinel?: SentinelSettings;
    /** SSH defaults for every host. */
    ssh?: SshSettings;
    /** ACL users for replication and Sentinel (default: off). */
    acl?: AclSettings;
    /** TLS on every Redis and Sentinel port (default: off). */
    tls?: TlsSettings;
}

/** One thing wrong with the input: which field, what is wrong, how to fix it. */
export interface ConfigProblem {
    field: string;
    problem: string;
    fix: string;
}

/** Thrown when a cluster description is invalid; lists every problem found, not just the first. */
export class RedisHaConfigError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(
            `redis-ha: invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p.field}: ${p.problem}. Fix: ${p.fix}.`).join("\n"),
        );
        this.name = "RedisHaConfigError";
    }
}

/** Cluster names end up in unit names, paths and the Sentinel master name. */
const CLUSTER_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const MEMORY_SIZE = /^[0-9]+(b|k|kb|m|mb|g|gb)?$/i;
const SAVE_POINTS = /^$|^[0-9]+ [0-9]+( [0-9]+ [0-9]+)*$/;
const LOGLEVELS = ["debug", "verbose", "notice", "warning"] as const;
const APPENDFSYNC = ["always", "everysec", "no"] as const;
const MAXMEMORY_POLICIES = [
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
] as const;

/** Validates `args` and returns the fully resolved spec (defaults applied), or throws RedisHaConfigError. */
export function resolveClusterSpec(args: ClusterTopologyArgs): ClusterSpec {
    const problems: ConfigProblem[] = [];
    const report = (field: string, problem: string, fix: string) => problems.push({ field, problem, fix });

    const clusterName = args.clusterName;
    if (typeof clusterName !== "string" || !CLUSTER_NAME.test(clusterName)) {
        report(
            "clusterName",
            `${JSON.stringify(clusterName)} is not a valid cluster name (it becomes part of systemd unit names and paths)`,
            "use 2-32 characters: lowercase letters, digits and '-', starting with a letter and not ending with '-'",
        );
    }

    const sshUser = args.ssh?.user ?? DEFAULT_SSH_USER;
    const sshPort = args.ssh?.port ?? DEFAULT_SSH_PORT;
    checkPort(report, "ssh.port", sshPort);

    const hosts = resolveHosts(args.hosts, sshUser, sshPort, report);
    const byName = new Map(hosts.map((h) => [h.name, h]));

    const lookup = (field: string, name: unknown): HostSpec | undefined => {
        if (typeof name !== "string" || name === "") {
            report(field, "is missing", "name one of the hosts listed in `hosts`");
            return undefined;
        }
        const host = byName.get(name);
        if (!host) {
            const known = [...byName.keys()].join(", ") || "none";
            report(field, `names unknown host ${JSON.stringify(name)}`, `use one of the names in \`hosts\` (${known})`);
        }
        return host;
    };

    const master = lookup("master", args.master);
    const replicas = resolveRoleList("replicas", args.replicas, lookup, report);
    const sentinels = resolveRoleList("sentinels", args.sentinels, lookup, report);

    if (master && replicas.some((r) => r.name === master.name)) {
        report("replicas", `host ${JSON.stringify(master.name)} is also the master`, "list each data host once: either as master or as a replica");
    }

    if (sentinels.length > 0 && sentinels.length < 3) {
        report(
            "sentinels",
            `${sentinels.length} sentinel(s) cannot elect a failover leader when one host is lost`,
            "run sentinels on at least 3 independent hosts (Redis docs: two boxes is a broken setup)",
        );
    }

    const majority = Math.floor(sentinels.length / 2) + 1;
    const quorum = args.quorum ?? majority;
    if (!Number.isInteger(quorum) || quorum < 1) {
        report("quorum", `${JSON.stringify(args.quorum)} is not a positive integer`, `set quorum to ${majority} (a majority of the sentinels)`);
    } else if (quorum > sentinels.length) {
        report(
            "quorum",
            `${quorum} is more than the number of sentinels (${sentinels.length}), so no failover could ever start`,
            `set quorum between ${majority} and ${sentinels.length}`,
        );
    } else if (quorum < majority) {
        report(
            "quorum",
            `${quorum} is below a majority of the ${sentinels.length} sentinels: a minority could declare the master down`,
            `set quorum to at least ${majority}`,
        );
    }

    const redisPort = args.redisPort ?? DEFAULT_REDIS_PORT;
    const sentinelPort = args.sentinelPort ?? DEFAULT_SENTINEL_PORT;
    checkPort(report, "redisPort", redisPort);
    checkPort(report, "sentinelPort", sentinelPort);
    if (redisPort === sentinelPort) {
        report("sentinelPort", `equals redisPort (${redisPort})`, "give Redis and Sentinel different ports, e.g. 6389 and 26389");
    }
    for (const [field, port] of [["redisPort", redisPort], ["sentinelPort", sentinelPort]] as const) {
        if (port === EXISTING_REDIS_PORT || port === EXISTING_SENTINEL_PORT) {
            report(field, `${port} is the port of the distribution's own Redis/Sentinel, which must stay untouched`, `use another port (defaults: ${DEFAULT_REDIS_PORT} and ${DEFAULT_SENTINEL_PORT})`);
        }
    }

    const redis = resolveRedisSettings(args.redis ?? {}, report);
    const sentinel = resolveSentinelSettings(args.sentinel ?? {}, report);
    const acl = resolveAclSettings(args.acl, report);
    const tls = resolveTlsSettings(args.tls, hosts, report);

    if (problems.length > 0 || !master) {
        throw new RedisHaConfigError(problems);
    }
    return {
        clusterName,
        masterName: clusterName,
        hosts,
        master,
        replicas,
        sentinels,
        quorum,
        redisPort,
        sentinelPort,
        redis,
        sentinel,
        acl,
        tls,
        paths: clusterPaths(clusterName),
    };
}

type Report = (field: string, problem: string, fix: string) => void;

function checkPort(report: Report, field: string, port: unknown): void {
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
        report(field, `${JSON.stringify(port)} is not a TCP port`, "use an integer from 1 to 65535");
    }
}

function resolveHosts(hosts: HostArgs[] | undefined, sshUser: string, sshPort: number, report: Report): HostSpec[] {
    if (!Array.isArray(hosts) || hosts.length === 0) {
        report("hosts", "is empty", "list the hosts, each with a `name` and an SSH `address`");
        return [];
    }
    const seenNames = new Set<string>();
    const seenAddresses = new Map<string, string>();
    const resolved: HostSpec[] = [];
    hosts.forEach((host, i) => {
        const field = `hosts[${i}]`;
        if (typeof host?.name !== "string" || !HOST_NAME.test(host.name)) {
            report(`${field}.name`, `${JSON.stringify(host?.name)} is not a valid host name`, "use letters, digits and '-' (it becomes part of resource names)");
            return;
        }
        if (seenNames.has(host.name)) {
            report(`${field}.name`, `duplicate host name ${JSON.stringify(host.name)}`, "give every host a unique name");
            return;
        }
        seenNames.add(host.name);
        if (typeof host.address !== "string" || host.address.trim() === "") {
            report(`${field}.address`, "is missing", "set the address Pulumi reaches this host at over SSH");
            return;
        }
        const announceAddress = host.announceAddress ?? host.address;
        if (net.isIP(announceAddress) === 0) {
            report(
                `${field}.announceAddress`,
                `${JSON.stringify(announceAddress)} is not an IP address (Sentinel announces and compares IPs)`,
                "set announceAddress to the IP other hosts and clients reach this host at",
            );
            return;
        }
        const previous = seenAddresses.get(announceAddress);
        if (previous !== undefined) {
            report(`${field}.address`, `host ${JSON.stringify(host.name)} has the same address as ${JSON.stringify(previous)} (${announceAddress})`, "list each machine once; a host can carry both a data node and a sentinel");
            return;
        }
        seenAddresses.set(announceAddress, host.name);
        const bind = host.bind ?? ["127.0.0.1", announceAddress];
        for (const addr of bind) {
            if (net.isIP(addr) === 0) {
                report(`${field}.bind`, `${JSON.stringify(addr)} is not an IP address`, "list IP addresses of this host's interfaces");
            }
        }
        const port = host.sshPort ?? sshPort;
        checkPort(report, `${field}.sshPort`, port);
        resolved.push({
            name: host.name,
            sshHost: host.address,
            sshPort: port,
            sshUser: host.sshUser ?? sshUser,
            announceAddress,
            bind: [...new Set(bind)],
        });
    });
    return resolved;
}

function resolveRoleList(
    field: string,
    names: string[] | undefined,
    lookup: (field: string, name: unknown) => HostSpec | undefined,
    report: Report,
): HostSpec[] {
    if (!Array.isArray(names)) {
        report(field, "is missing", "list host names from `hosts`");
        return [];
    }
    const seen = new Set<string>();
    const result: HostSpec[] = [];
    names.forEach((name, i) => {
        if (seen.has(name)) {
            report(`${field}[${i}]`, `host ${JSON.stringify(name)} is listed twice`, "list each host once");
            return;
        }
        seen.add(name);
        const host = lookup(`${field}[${i}]`, name);
        if (host) result.push(host);
    });
    return result;
}

function oneOf<T extends string>(report: Report, field: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!allowed.includes(value)) {
        report(field, `${JSON.stringify(value)} is not allowed`, `use one of ${allowed.join(", ")}`);
    }
    return value;
}

function intInRange(report: Report, field: string, value: number | undefined, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        report(field, `${JSON.stringify(value)} is out of range`, `use an integer from ${min} to ${max}`);
    }
    return value;
}

function resolveRedisSettings(s: RedisSettings, report: Report): ClusterSpec["redis"] {
    const maxmemory = s.maxmemory ?? REDIS_DEFAULTS.maxmemory;
    if (typeof maxmemory !== "string" || !MEMORY_SIZE.test(maxmemory)) {
        report("redis.maxmemory", `${JSON.stringify(maxmemory)} is not a memory size`, 'use a Redis size such as "256mb", "2gb" or "0" for no limit');
    }
    const save = s.save ?? REDIS_DEFAULTS.save;
    if (typeof save !== "string" || !SAVE_POINTS.test(save)) {
        report("redis.save", `${JSON.stringify(save)} is not a list of "<seconds> <changes>" pairs`, 'use e.g. "3600 1 300 100", or "" to disable RDB snapshots');
    }
    return {
        appendonly: s.appendonly ?? REDIS_DEFAULTS.appendonly,
        appendfsync: oneOf(report, "redis.appendfsync", s.appendfsync, APPENDFSYNC, REDIS_DEFAULTS.appendfsync),
        save,
        maxmemory,
        maxmemoryPolicy: oneOf(report, "redis.maxmemoryPolicy", s.maxmemoryPolicy, MAXMEMORY_POLICIES, REDIS_DEFAULTS.maxmemoryPolicy),
        maxclients: intInRange(report, "redis.maxclients", s.maxclients, 1, 1_000_000, REDIS_DEFAULTS.maxclients),
        minReplicasToWrite: intInRange(report, "redis.minReplicasToWrite", s.minReplicasToWrite, 0, 1000, REDIS_DEFAULTS.minReplicasToWrite),
        minReplicasMaxLag: intInRange(report, "redis.minReplicasMaxLag", s.minReplicasMaxLag, 1, 3600, REDIS_DEFAULTS.minReplicasMaxLag),
        replicaPriority: intInRange(report, "redis.replicaPriority", s.replicaPriority, 0, 1000, REDIS_DEFAULTS.replicaPriority),
        loglevel: oneOf(report, "redis.loglevel", s.loglevel, LOGLEVELS, REDIS_DEFAULTS.loglevel),
    };
}

function resolveSentinelSettings(s: SentinelSettings, report: Report): ClusterSpec["sentinel"] {
    return {
        downAfterMilliseconds: intInRange(report, "sentinel.downAfterMilliseconds", s.downAfterMilliseconds, 100, 3_600_000, SENTINEL_DEFAULTS.downAfterMilliseconds),
        failoverTimeout: intInRange(report, "sentinel.failoverTimeout", s.failoverTimeout, 1000, 86_400_000, SENTINEL_DEFAULTS.failoverTimeout),
        parallelSyncs: intInRange(report, "sentinel.parallelSyncs", s.parallelSyncs, 1, 1000, SENTINEL_DEFAULTS.parallelSyncs),
        loglevel: oneOf(report, "sentinel.loglevel", s.loglevel, LOGLEVELS, SENTINEL_DEFAULTS.loglevel),
    };
}

/** ACL user names: they go into redis.conf `user` lines and `masteruser`, unquoted. */
const ACL_USER_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

function resolveAclSettings(s: AclSettings | undefined, report: Report): AclSpec | undefined {
    if (s === undefined) return undefined;
    if (typeof s !== "object" || s === null || Array.isArray(s)) {
        report("acl", `${JSON.stringify(s)} is not an object`, "set e.g. `acl: { enabled: true }`");
        return undefined;
    }
    const enabled = s.enabled ?? ACL_DEFAULTS.enabled;
    if (typeof enabled !== "boolean") {
        report("acl.enabled", `${JSON.stringify(enabled)} is not true or false`, "set `acl.enabled: true` to create the replication and Sentinel users");
    }
    const replicationUser = s.replicationUser ?? ACL_DEFAULTS.replicationUser;
    const sentinelUser = s.sentinelUser ?? ACL_DEFAULTS.sentinelUser;
    for (const [field, name] of [["acl.replicationUser", replicationUser], ["acl.sentinelUser", sentinelUser]] as const) {
        if (typeof name !== "string" || !ACL_USER_NAME.test(name)) {
            report(field, `${JSON.stringify(name)} is not a valid ACL user name`, "use 1-64 letters, digits, '_', '.' or '-', starting with a letter");
        } else if (name === "default") {
            report(field, '"default" is the admin user that clients and redis-ha log in as', "pick another name, e.g. the default one");
        }
    }
    if (replicationUser === sentinelUser) {
        report("acl.sentinelUser", `is the same user as acl.replicationUser (${JSON.stringify(sentinelUser)}), so one would get the other's rights`, "give the two users different names");
    }
    return enabled === true ? { replicationUser, sentinelUser } : undefined;
}
