/**
 * Validation of a cluster description. Pure: it runs before any resource exists, so bad input fails
 * `pulumi preview` with a message that names the field and the fix, and no host is ever touched.
 */
import * as net from "net";
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";
import * as path from "path";
import { checkCidr } from "./cidr";
import {
    DEFAULT_IP_ADDRESS_ALLOW,
    DEFAULT_KNOWN_HOSTS_FILE,
    SSH_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_REDIS_PORT,
    DEFAULT_SENTINEL_PORT,
    DEFAULT_SSH_PORT,
    DEFAULT_SSH_USER,
    EXISTING_REDIS_PORT,
    EXISTING_SENTINEL_PORT,
    ACL_DEFAULTS,
    MIN_PASSWORD_LENGTH,
    MIN_UNPRIVILEGED_PORT,
    SENTINEL_DEFAULTS,
    DEFAULT_SERVER,
    ServerKind,
} from "./defaults";
import { SettingCheck, TYPED_SETTINGS } from "./directiveTable";
import { AclSettings, FrontendSettings, Host, LogLevel, MetricsSettings, RedisSettings, SentinelSettings, SshSettings, TlsSettings } from "./types";
import { checkPortsDistinct, resolveFrontendSettings, resolveMetricsSettings } from "./frontend";
import { REDIS_DIRECTIVES, REFUSED_EXTRA_DIRECTIVES } from "./redisDirectives";
import { resolveTlsSettings } from "./tls";
import { AclSpec, ClusterSpec, HostSpec, SshSpec, clusterPaths } from "./spec";
import { HostKey, parseHostKey } from "./hostKeys";

/** The plain part of a cluster description: everything but the secrets. */
export interface ClusterTopologyArgs {
    /** Cluster name: Sentinel master name, and part of unit names and paths. */
    clusterName: string;
    /** The hosts, each reachable over SSH. */
    hosts: Host[];
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
    /**
     * Remote addresses allowed to talk to our Redis and Sentinel, as IP prefixes ("10.1.0.0/16",
     * "192.168.1.20/32", "fd00::/8"); enforced by the kernel through the units' `IPAddressDeny=any` +
     * `IPAddressAllow=`, for traffic in both directions. Localhost and every cluster host's announce
     * address are always allowed (replication and Sentinel need them). Default: the private ranges
     * 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 and fc00::/7, so clients on private networks keep
     * working; `["0.0.0.0/0", "::/0"]` allows every address.
     */
    ipAllowList?: string[];
    /**
     * Accept fewer than 3 sentinels (default false). Refused otherwise because such a cluster cannot fail
     * over when a host is lost: Sentinel needs a majority of *all* sentinels, each on a host that fails
     * independently, to elect the leader that performs a failover. With 2 hosts (seed 003's layout), the
     * survivor of a host failure is 1 of 2, never a majority, so the master stays down; running two
     * sentinels per machine does not help, because a machine takes both down with it. Set it only for
     * a test or a cluster you accept will not fail over on its own.
     */
    allowUnsafeTopology?: boolean;
    /**
     * Give each data node's host the kernel settings Redis warns about at startup (default false):
     * `vm.overcommit_memory = 1` and `net.core.somaxconn` at least `tcp-backlog` (never lowered), in
     * a sysctl.d drop-in of this cluster's, and transparent huge pages `madvise` by a oneshot unit at
     * boot. They are host-wide: the existing Redis and everything else on the host run under them too.
     * Off, redis-ha only reports them (a warning per host); turned off again, its files go, and the
     * values stay as they are until the next boot.
     */
    hostTuning?: boolean;
    /**
     * The server the data nodes and sentinels run (default `redis`): `redis` (Debian's redis-server
     * and redis-tools) or `valkey` (valkey-server and valkey-tools, Debian 13 and bookworm-backports).
     * Clients see no difference. The existing server on 6379 may be either; it is never touched.
     */
    server?: ServerKind;
    /** ACL users for replication and Sentinel (default: off). */
    acl?: AclSettings;
    /** TLS on every Redis and Sentinel port (default: off). */
    tls?: TlsSettings;
    /** A VIP served by HAProxy and keepalived on two hosts, for clients that do not speak Sentinel (default: none). */
    frontend?: FrontendSettings;
    /** Debian's prometheus-redis-exporter beside every data node and sentinel (default: off). */
    metrics?: MetricsSettings;
}

/** One thing wrong with the input: which field, what is wrong, how to fix it. */
export interface ConfigProblem {
    field: string;
    problem: string;
    fix: string;
}

/**
 * Thrown when a cluster description is invalid; lists every problem found, not just the first. A
 * RunError, so that `pulumi preview/up` prints the list alone, without a stack trace or source dump.
 */
export class RedisHaConfigError extends pulumi.RunError {
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
const LOGLEVELS = Object.values(LogLevel);

/**
 * Validates `args` and returns the fully resolved spec (defaults applied), or throws RedisHaConfigError.
 * `secrets.password` is checked too when it is a plain string (a secret Output is checked where it is
 * read, e.g. in the stack's config); its value is never part of a message.
 */
export function resolveClusterSpec(args: ClusterTopologyArgs, secrets: { password?: unknown } = {}): ClusterSpec {
    const problems: ConfigProblem[] = [];
    const report = (field: string, problem: string, fix: string) => problems.push({ field, problem, fix });
    if (typeof secrets.password === "string") problems.push(...passwordProblems("password", secrets.password));

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
    const ssh = resolveSshSettings(args.ssh, report);
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

    const allowUnsafeTopology = resolveBoolean("allowUnsafeTopology", args.allowUnsafeTopology, report);
    const hostTuning = resolveBoolean("hostTuning", args.hostTuning, report);
    const server = resolveServer(args.server, report);
    if (Array.isArray(args.sentinels) && sentinels.length === 0 && args.sentinels.length === 0) {
        report("sentinels", "is empty: nothing would detect a failed master or promote a replica", "list at least 3 hosts from `hosts` to run a sentinel");
    } else if (sentinels.length > 0 && sentinels.length < 3 && !allowUnsafeTopology) {
        const n = sentinels.length;
        report(
            "sentinels",
            `${n} sentinel${n === 1 ? "" : "s"} on ${n} host${n === 1 ? "" : "s"} cannot fail over when a host is lost: electing the failover leader needs a majority of all sentinels (${Math.floor(n / 2) + 1} of ${n}) on independently failing hosts, and losing 1 host leaves ${n - 1}`,
            "run a sentinel on at least 3 independent hosts (a small third machine is enough for a sentinel); " +
                "to deploy anyway, e.g. a 2-machine layout, knowing the cluster will not fail over on its own, set `allowUnsafeTopology: true`",
        );
    }

    const majority = Math.floor(sentinels.length / 2) + 1;
    const quorum = args.quorum ?? majority;
    if (sentinels.length === 0 && args.quorum === undefined) {
        // Nothing to say about a quorum nobody set for sentinels that are missing (reported above).
    } else if (!Number.isInteger(quorum) || quorum < 1) {
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
        } else if (typeof port === "number" && port >= 1 && port < MIN_UNPRIVILEGED_PORT) {
            report(field, `${port} is a privileged port, which the hardened unit (User=redis, no capabilities) cannot bind`, `use a port from ${MIN_UNPRIVILEGED_PORT} to 65535 (defaults: ${DEFAULT_REDIS_PORT} and ${DEFAULT_SENTINEL_PORT})`);
        }
        const sshHost = hosts.find((h) => h.sshPort === port);
        if (sshHost) {
            report(field, `${port} is the SSH port of host ${JSON.stringify(sshHost.name)}`, `use another port (defaults: ${DEFAULT_REDIS_PORT} and ${DEFAULT_SENTINEL_PORT})`);
        }
    }
    const ipAllowList = resolveIpAllowList(args.ipAllowList, report);

    const redis = resolveRedisSettings(args.redis ?? {}, report);
    const sentinel = resolveSentinelSettings(args.sentinel ?? {}, report);
    const acl = resolveAclSettings(args.acl, report);
    const tls = resolveTlsSettings(args.tls, hosts, report);
    const ports = { hosts, redisPort, sentinelPort, tls: tls !== undefined, lookup };
    const frontend = resolveFrontendSettings(clusterName, args.frontend, ports, report);
    const metrics = resolveMetricsSettings(args.metrics, ports, ipAllowList, (field, list) => resolveIpAllowList(list, report, field), report);
    checkPortsDistinct(ports, frontend, metrics, report);

    if (problems.length > 0 || !master) {
        throw new RedisHaConfigError(problems);
    }
    return {
        clusterName,
        masterName: clusterName,
        hosts,
        ssh,
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
        ipAllowList,
        unsafeTopology: sentinels.length < 3,
        hostTuning,
        server,
        frontend,
        metrics,
    };
}

/** `server`: one of SERVERS (default DEFAULT_SERVER). */
function resolveServer(value: unknown, report: Report): ServerKind {
    if (value === undefined) return DEFAULT_SERVER;
    if (typeof value === "string" && Object.prototype.hasOwnProperty.call(ServerKind, value)) return value as ServerKind;
    const known = Object.values(ServerKind).map((k) => JSON.stringify(k)).join(" or ");
    report("server", `${JSON.stringify(value)} is not a server redis-ha deploys`, `set it to ${known} (default ${JSON.stringify(DEFAULT_SERVER)})`);
    return DEFAULT_SERVER;
}

/** An on/off setting (default false); anything but a boolean is reported. */
function resolveBoolean(field: string, value: unknown, report: (field: string, problem: string, fix: string) => void): boolean {
    if (value === undefined) return false;
    if (typeof value !== "boolean") {
        report(field, `${JSON.stringify(value)} is not true or false`, "set it to true or false (default false)");
        return false;
    }
    return value;
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * What is wrong with a Redis password (see MIN_PASSWORD_LENGTH for the rule). Messages never contain
 * the password or anything derived from it.
 */
export function passwordProblems(field: string, password: string): ConfigProblem[] {
    const generate = `generate one, e.g. \`pulumi config set --secret redis-ha:password "$(openssl rand -base64 24)"\``;
    if (password === "") return [{ field, problem: "is empty, so anyone who reaches the port can read and change every key", fix: generate }];
    const problems: ConfigProblem[] = [];
    if (password.length < MIN_PASSWORD_LENGTH) {
        problems.push({ field, problem: `is shorter than ${MIN_PASSWORD_LENGTH} characters: Redis answers about a million password guesses per second`, fix: generate });
    }
    if (CONTROL_CHARACTERS.test(password)) {
        problems.push({ field, problem: "contains a line break or another control character, which config files and REDISCLI_AUTH cannot carry intact", fix: "use printable characters only" });
    }
    return problems;
}

function resolveIpAllowList(list: unknown, report: Report, field = "ipAllowList"): string[] {
    if (list === undefined) return [...DEFAULT_IP_ADDRESS_ALLOW];
    if (!Array.isArray(list)) {
        report(field, `${JSON.stringify(list)} is not a list`, 'list IP prefixes, e.g. ["10.1.0.0/16", "192.168.1.20/32"]');
        return [];
    }
    const result: string[] = [];
    list.forEach((entry: unknown, i) => {
        const check = checkCidr(entry);
        if (check.ok) result.push(check.text);
        else report(`${field}[${i}]`, check.problem, check.fix);
    });
    return [...new Set(result)];
}

/** Levenshtein distance, for "did you mean" on directive typos. */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length] ?? 0;
}

function closestDirective(name: string): string | undefined {
    let best: { name: string; distance: number } | undefined;
    for (const known of REDIS_DIRECTIVES) {
        const distance = editDistance(name, known);
        if (distance <= 3 && (best === undefined || distance < best.distance)) best = { name: known, distance };
    }
    return best?.name;
}

function resolveExtraDirectives(value: unknown, report: Report): ClusterSpec["redis"]["extraDirectives"] {
    const field = "redis.extraDirectives";
    if (value === undefined) return [];
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        report(field, `${JSON.stringify(value)} is not a map of directive to value`, 'write it as {"hz": 20, "lazyfree-lazy-eviction": true}');
        return [];
    }
    const result: ClusterSpec["redis"]["extraDirectives"] = [];
    for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
        const at = `${field}.${key}`;
        const name = key.toLowerCase();
        const refused = Object.prototype.hasOwnProperty.call(REFUSED_EXTRA_DIRECTIVES, name) ? REFUSED_EXTRA_DIRECTIVES[name] : undefined;
        if (refused) {
            report(at, `cannot be set here: ${refused.why}`, refused.fix);
            continue;
        }
        if (!REDIS_DIRECTIVES.has(name)) {
            const near = closestDirective(name);
            report(at, "is not a directive of Redis 7.0, Redis 8.0 or Valkey 8.1", near ? `did you mean "${near}"? Otherwise remove it` : "remove it, or use a directive from your server's redis.conf");
            continue;
        }
        if (result.some((d) => d.name === name)) {
            report(at, `sets ${JSON.stringify(name)} a second time (directive names are case-insensitive)`, "set each directive once");
            continue;
        }
        if (typeof raw === "boolean") {
            result.push({ name, value: raw ? "yes" : "no" });
        } else if (typeof raw === "number" && Number.isFinite(raw)) {
            result.push({ name, value: String(raw) });
        } else if (typeof raw === "string" && !CONTROL_CHARACTERS.test(raw)) {
            result.push({ name, value: raw === "" ? '""' : raw });
        } else if (typeof raw === "string") {
            report(at, "contains a line break or another control character, which would start another directive", "write the value on one line");
        } else {
            report(at, `${JSON.stringify(raw)} is not a string, number or boolean`, 'give a value as redis.conf would, e.g. 20, true or "replica 512mb 128mb 60"');
        }
    }
    return result;
}

type Report = (field: string, problem: string, fix: string) => void;

function checkPort(report: Report, field: string, port: unknown): void {
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
        report(field, `${JSON.stringify(port)} is not a TCP port`, "use an integer from 1 to 65535");
    }
}

function resolveHosts(hosts: Host[] | undefined, sshUser: string, sshPort: number, report: Report): HostSpec[] {
    if (!Array.isArray(hosts) || hosts.length === 0) {
        report("hosts", "is empty", "list the hosts, each with a `name` and an SSH `address`");
        return [];
    }
    const seenNames = new Set<string>();
    const seenAddresses = new Map<string, string>();
    const seenEndpoints = new Map<string, string>();
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
        const port = host.sshPort ?? sshPort;
        const endpoint = `${host.address}:${port}`;
        const sameMachine = seenEndpoints.get(endpoint);
        if (sameMachine !== undefined) {
            report(
                `${field}.address`,
                `host ${JSON.stringify(host.name)} is the same machine as ${JSON.stringify(sameMachine)} (both reached over SSH at ${endpoint}): they would share one set of units and files, and one machine failing takes both down (two sentinels on one machine count as one)`,
                "list each machine once: a host carries one data node and one sentinel; use at least 3 machines",
            );
            return;
        }
        seenEndpoints.set(endpoint, host.name);
        const bind = host.bind ?? ["127.0.0.1", announceAddress];
        for (const addr of bind) {
            if (net.isIP(addr) === 0) {
                report(`${field}.bind`, `${JSON.stringify(addr)} is not an IP address`, "list IP addresses of this host's interfaces");
            }
        }
        checkPort(report, `${field}.sshPort`, port);
        const hostKeys = resolveHostKeys(`${field}.hostKey`, host.hostKey, report);
        resolved.push({
            name: host.name,
            sshHost: host.address,
            sshPort: port,
            sshUser: host.sshUser ?? sshUser,
            announceAddress,
            bind: [...new Set(bind)],
            hostKeys,
        });
    });
    return resolved;
}

/** `hosts[].hostKey`: one line or a list, each a key as ssh-keyscan prints it. */
function resolveHostKeys(field: string, given: string | string[] | undefined, report: Report): HostKey[] {
    if (given === undefined) return [];
    const lines = Array.isArray(given) ? given : [given];
    const keys: HostKey[] = [];
    lines.forEach((line, i) => {
        const key = typeof line === "string" ? parseHostKey(line) : undefined;
        if (!key) {
            report(
                Array.isArray(given) ? `${field}[${i}]` : field,
                `${JSON.stringify(line).slice(0, 60)} is not an SSH host key`,
                "paste a line of `ssh-keyscan -t ed25519 <address>` (e.g. `ssh-ed25519 AAAAC3...`) after checking its fingerprint against the host's `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`",
            );
            return;
        }
        keys.push(key);
    });
    return keys;
}

/** `~` or `~/...` is the home directory of the user running Pulumi, as in ssh. */
export function expandHome(p: string): string {
    return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

function resolveSshSettings(ssh: SshSettings | undefined, report: Report): SshSpec {
    const knownHostsFile = ssh?.knownHostsFile ?? DEFAULT_KNOWN_HOSTS_FILE;
    if (typeof knownHostsFile !== "string" || knownHostsFile.trim() === "") {
        report("ssh.knownHostsFile", `${JSON.stringify(knownHostsFile)} is not a file path`, `name a known_hosts file (default ${DEFAULT_KNOWN_HOSTS_FILE})`);
    }
    const insecure = ssh?.insecureIgnoreHostKeys ?? false;
    if (typeof insecure !== "boolean") {
        report("ssh.insecureIgnoreHostKeys", `${JSON.stringify(insecure)} is not true or false`, "leave it unset (host keys are checked) or set it to true for a throwaway lab");
    }
    const connectTimeout = ssh?.connectTimeout ?? SSH_CONNECT_TIMEOUT_SECONDS;
    if (typeof connectTimeout !== "number" || !Number.isInteger(connectTimeout) || connectTimeout < 1 || connectTimeout > 120) {
        report("ssh.connectTimeout", `${JSON.stringify(connectTimeout)} is not a number of seconds from 1 to 120`, `leave it unset (${SSH_CONNECT_TIMEOUT_SECONDS}) or give whole seconds`);
    }
    return {
        knownHostsFile: path.resolve(expandHome(typeof knownHostsFile === "string" ? knownHostsFile : DEFAULT_KNOWN_HOSTS_FILE)),
        verifyHostKeys: !insecure,
        connectTimeout: typeof connectTimeout === "number" ? connectTimeout : SSH_CONNECT_TIMEOUT_SECONDS,
    };
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

/** A setting's value checked as `check` says (the fallback when unset); a bad one is reported with the field and the fix. */
function checked<T>(report: Report, field: string, value: T | undefined, check: SettingCheck, fallback: T): T {
    if (value === undefined) return fallback;
    const v: unknown = value;
    const shown = JSON.stringify(v);
    switch (check.kind) {
        case "boolean":
            if (typeof v !== "boolean") report(field, `${shown} is not true or false`, "set it to true or false");
            break;
        case "oneOf":
            if (typeof v !== "string" || !check.values.includes(v)) report(field, `${shown} is not allowed`, `use one of ${check.values.join(", ")}`);
            break;
        case "integer":
            if (typeof v !== "number" || !Number.isInteger(v) || v < check.min || v > check.max) report(field, `${shown} is out of range`, `use an integer from ${check.min} to ${check.max}`);
            break;
        case "pattern":
            if (typeof v !== "string" || !check.pattern.test(v)) report(field, `${shown} ${check.problem}`, check.fix);
            break;
    }
    return value;
}

const integer = (min: number, max: number): SettingCheck => ({ kind: "integer", min, max });

/** The typed `redis.*` settings, each checked and defaulted as its row in the directive table says. */
function resolveRedisSettings(s: RedisSettings, report: Report): ClusterSpec["redis"] {
    const typed = Object.fromEntries(TYPED_SETTINGS.map((t) => [t.key, checked<unknown>(report, `redis.${t.key}`, s[t.key], t.check, t.default)]));
    return { ...(typed as Omit<ClusterSpec["redis"], "extraDirectives">), extraDirectives: resolveExtraDirectives(s.extraDirectives, report) };
}

function resolveSentinelSettings(s: SentinelSettings, report: Report): ClusterSpec["sentinel"] {
    return {
        downAfterMilliseconds: checked(report, "sentinel.downAfterMilliseconds", s.downAfterMilliseconds, integer(100, 3_600_000), SENTINEL_DEFAULTS.downAfterMilliseconds),
        failoverTimeout: checked(report, "sentinel.failoverTimeout", s.failoverTimeout, integer(1000, 86_400_000), SENTINEL_DEFAULTS.failoverTimeout),
        parallelSyncs: checked(report, "sentinel.parallelSyncs", s.parallelSyncs, integer(1, 1000), SENTINEL_DEFAULTS.parallelSyncs),
        loglevel: checked<string>(report, "sentinel.loglevel", s.loglevel, { kind: "oneOf", values: LOGLEVELS }, SENTINEL_DEFAULTS.loglevel),
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
    return enabled ? { replicationUser, sentinelUser } : undefined;
}
