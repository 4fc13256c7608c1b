/**
 * The plain (already-resolved) shapes a RedisHaCluster is described with. They are plain values, not
 * `pulumi.Input`s, because the set of hosts and roles decides which resources exist and must be
 * validated before any of them is created.
 */

/*
 * Sets of allowed values are `as const` objects with a type of the same name: TypeScript callers
 * write the string ("everysec"), validation lists the values from the object, and Pulumi's
 * component host turns each into an enum of the schema other languages are generated from.
 */

/** `appendfsync` values. */
export const AppendFsync = { always: "always", everysec: "everysec", no: "no" } as const;
export type AppendFsync = (typeof AppendFsync)[keyof typeof AppendFsync];

/** `maxmemory-policy` values. */
export const MaxmemoryPolicy = {
    noeviction: "noeviction",
    allkeysLru: "allkeys-lru",
    allkeysLfu: "allkeys-lfu",
    allkeysRandom: "allkeys-random",
    volatileLru: "volatile-lru",
    volatileLfu: "volatile-lfu",
    volatileRandom: "volatile-random",
    volatileTtl: "volatile-ttl",
} as const;
export type MaxmemoryPolicy = (typeof MaxmemoryPolicy)[keyof typeof MaxmemoryPolicy];

/** `loglevel` values (Redis and Sentinel). */
export const LogLevel = { debug: "debug", verbose: "verbose", notice: "notice", warning: "warning" } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** `tls-auth-clients` values. */
export const TlsAuthClients = { yes: "yes", optional: "optional", no: "no" } as const;
export type TlsAuthClients = (typeof TlsAuthClients)[keyof typeof TlsAuthClients];

/** One Linux host reachable over SSH. */
export interface Host {
    /** Stable short name of the host (letters, digits, `-`), used in role lists and resource names. */
    name: string;
    /** Address Pulumi connects to over SSH (IP or DNS name). */
    address: string;
    /**
     * Address Redis and Sentinel announce to each other and to clients (`replica-announce-ip`,
     * `sentinel announce-ip`). Must be an IP address. Defaults to `address` when that is an IP.
     */
    announceAddress?: string;
    /** Interfaces Redis and Sentinel bind to. Defaults to `["127.0.0.1", announceAddress]`. */
    bind?: string[];
    /** SSH port. Defaults to the cluster's `ssh.port` (22). */
    sshPort?: number;
    /** SSH user. Defaults to the cluster's `ssh.user` (root). Needs root or passwordless sudo-free root access. */
    sshUser?: string;
    /**
     * The host's SSH host key(s), as `ssh-keyscan` or known_hosts prints them (`ssh-ed25519 AAAA...`,
     * a leading host name is ignored). When set, only these keys are trusted for this host; otherwise
     * the keys `ssh.knownHostsFile` lists for its address. Check the fingerprint before you pin one.
     * (Stack config may give a single line instead of a list.)
     */
    hostKey?: string[];
}

/** The former name of `Host` (0.1), kept so existing programs compile. */
export type HostArgs = Host;

/** Redis data-node settings, named after the redis.conf directive they set. */
export interface RedisSettings {
    /** `appendonly` (default true). */
    appendonly?: boolean;
    /** `appendfsync`: `always`, `everysec` (default) or `no`. */
    appendfsync?: AppendFsync;
    /** `save` (default Redis's own "3600 1 300 100 60 10000"; "" disables RDB snapshots). */
    save?: string;
    /** `maxmemory`, e.g. "256mb" (default "0": no limit). */
    maxmemory?: string;
    /** `maxmemory-policy` (default "noeviction"). */
    maxmemoryPolicy?: MaxmemoryPolicy;
    /** `maxclients` (default 10000). The unit's `LimitNOFILE` is set to this + 32. */
    maxclients?: number;
    /** `min-replicas-to-write` (default 0). */
    minReplicasToWrite?: number;
    /** `min-replicas-max-lag` in seconds (default 10). */
    minReplicasMaxLag?: number;
    /** `replica-priority` for every data node (default 100). */
    replicaPriority?: number;
    /** `loglevel`: debug, verbose, notice (default) or warning. */
    loglevel?: LogLevel;
    /**
     * Any other redis.conf directive, as `directive: value` (e.g. `{"hz": "20", "lazyfree-lazy-eviction": "yes",
     * "client-output-buffer-limit": "replica 512mb 128mb 60"}`), written at the end of redis.conf.
     * Values are strings, written as is (several arguments separated by spaces); stack config may also
     * give numbers, and booleans, which become yes/no.
     * Refused at preview: directives Redis 7.0 does not know, directives redis-ha writes itself or has a
     * typed setting for (`port`, `replicaof`, `dir`, `requirepass`, `maxmemory`, ...), and directives the
     * hardened unit or Sentinel cannot run with (see `REFUSED_EXTRA_DIRECTIVES`). Default: none.
     */
    extraDirectives?: Record<string, string>;
}

/** Sentinel settings, named after the sentinel.conf directive they set. */
export interface SentinelSettings {
    /** `sentinel down-after-milliseconds` (default 5000). */
    downAfterMilliseconds?: number;
    /** `sentinel failover-timeout` in milliseconds (default 60000). */
    failoverTimeout?: number;
    /** `sentinel parallel-syncs` (default 1). */
    parallelSyncs?: number;
    /** `loglevel` of the Sentinel process (default notice). */
    loglevel?: LogLevel;
}

/** How Pulumi reaches the hosts. */
export interface SshSettings {
    /** Default SSH user for every host (default "root"). */
    user?: string;
    /** Default SSH port for every host (default 22). */
    port?: number;
    /** known_hosts file that lists the hosts' keys when `hosts[].hostKey` is not set (default `~/.ssh/known_hosts`, as ssh). */
    knownHostsFile?: string;
    /**
     * Connect without checking host keys (default false). Anyone who answers on a host's address then
     * gets root commands and the password; preview warns while this is on. For throwaway labs only.
     */
    insecureIgnoreHostKeys?: boolean;
    /** Seconds one SSH connection attempt may take before the host counts as unreachable (default 5; 2 attempts). */
    connectTimeout?: number;
}

/**
 * Redis ACL users beside the admin (`default`) user: one that replicas authenticate as
 * (`masteruser`) and one that Sentinels authenticate as on the data nodes (`sentinel auth-user`),
 * each with only the commands the Redis docs list for that job. Their passwords are derived from the
 * cluster password (see README "ACL users"), so there is no further secret to manage.
 */
export interface AclSettings {
    /** Create the replication and Sentinel users and use them (default false: one password for everything, as `requirepass`). */
    enabled?: boolean;
    /** Name of the user replicas authenticate as (`masteruser`; default "redis-ha-replication"). Rights: PSYNC, REPLCONF, PING. */
    replicationUser?: string;
    /** Name of the user Sentinels authenticate as on the data nodes (`sentinel auth-user`; default "redis-ha-sentinel"). */
    sentinelUser?: string;
}

/**
 * TLS on every Redis and Sentinel port (`tls-port`, with the plain `port 0`), for replication
 * (`tls-replication`) and between sentinels, with certificates you issue. Private keys are not
 * here: they are secrets (`tlsPrivateKeys` of RedisHaCluster, `tls.keyFile` in stack config).
 */
export interface TlsSettings {
    /** CA certificate (PEM) that signed every host's certificate; nodes verify each other against it (`tls-ca-cert-file`). */
    caCert: string;
    /**
     * Each host's certificate (PEM), by host name, for every host in `hosts`. It must be signed by
     * `caCert`, name the host's announce IP in subjectAltName (clients that check names connect to
     * the IPs Sentinel hands out), and allow serverAuth and clientAuth: nodes present it to each
     * other as clients too (replication, Sentinel, redis-ha's own checks).
     */
    certificates: Record<string, string>;
    /** `tls-auth-clients`: "yes" (default, as in Redis: every client presents a certificate signed by `caCert`), "optional" or "no". */
    authClients?: TlsAuthClients;
}

/**
 * A virtual IP in front of the cluster for clients that do not speak Sentinel (seed 001): HAProxy on
 * each frontend host routes to the one data node that says `role:master` and that a majority of the
 * sentinels name as master, and keepalived holds the VIP on one frontend host at a time, on a host
 * whose HAProxy runs.
 */
export interface FrontendSettings {
    /** The two hosts (names from `hosts`) that run HAProxy and keepalived. */
    hosts: string[];
    /** The virtual IPv4 address clients connect to: on the frontend hosts' network, and no host's address. */
    vip: string;
    /** Prefix length of the VIP on its interface (default 32: the VIP alone, no route added). */
    vipPrefixLength?: number;
    /** Port HAProxy listens on, at the VIP and on 127.0.0.1 (default 6390). */
    port?: number;
    /** Network interface that carries the VIP (default: on each frontend host, the one holding its announce address). */
    interface?: string;
    /** keepalived's `virtual_router_id` (1-255), unique among the VRRP routers of the network (default: derived from the cluster name). */
    virtualRouterId?: number;
}

/** Debian's `prometheus-redis-exporter` beside every data node and sentinel, each in its own hardened unit. */
export interface MetricsSettings {
    /** Run the exporters (default false). */
    enabled?: boolean;
    /** Port of each data node's exporter (default 9389; Debian's own exporter takes 9121). */
    redisExporterPort?: number;
    /** Port of each sentinel's exporter (default 9390). */
    sentinelExporterPort?: number;
    /**
     * Remote addresses (IP prefixes) allowed to scrape, enforced by the kernel as for `ipAllowList`
     * (default: `ipAllowList`). Localhost and the cluster's hosts are always allowed.
     */
    allowList?: string[];
}
