/**
 * Every default of redis-ha in one place, like an Ansible role's `defaults/main.yml`.
 * Names follow the Redis / Sentinel directive they set, so an operator can grep for them.
 */

/** Ports: chosen so that a stock Redis (6379) and Sentinel (26379) on the same host never clash. */
export const DEFAULT_REDIS_PORT = 6389;
export const DEFAULT_SENTINEL_PORT = 26389;

/** The port a distribution's own Redis listens on; ours must never take it. */
export const EXISTING_REDIS_PORT = 6379;
export const EXISTING_SENTINEL_PORT = 26379;

/**
 * Redis and Sentinel run as `redis` with no capabilities (the unit's empty CapabilityBoundingSet), so
 * they cannot bind a privileged port: ports below this are refused at preview.
 */
export const MIN_UNPRIVILEGED_PORT = 1024;

/** SSH defaults, as `ssh` itself would use them. */
export const DEFAULT_SSH_USER = "root";
export const DEFAULT_SSH_PORT = 22;
/** Where ssh itself looks for host keys; `~` is the home directory of the user running Pulumi. */
export const DEFAULT_KNOWN_HOSTS_FILE = "~/.ssh/known_hosts";
/**
 * Seconds one SSH connection attempt may take, and how many attempts: a host that is down fails the
 * update in about 2 × 5 s with redis-ha's message naming it, not after minutes of provider retries.
 */
export const SSH_CONNECT_TIMEOUT_SECONDS = 5;
export const SSH_CONNECT_ATTEMPTS = 2;

/** Paths on the hosts. `{cluster}` is the validated cluster name. */
export const PATHS = {
    configRoot: "/etc/redis-ha",
    dataRoot: "/var/lib/redis-ha",
    logRoot: "/var/log/redis-ha",
    unitDir: "/etc/systemd/system",
    /** The kernel's transparent huge pages switch (`hostTuning` sets it to `madvise`). */
    thpEnabledFile: "/sys/kernel/mm/transparent_hugepage/enabled",
} as const;

/**
 * systemd `IPAddressAllow=` default for `ipAllowList`: the private address ranges (RFC 1918 and IPv6
 * unique-local). Every unit also gets `IPAddressDeny=any`, and always allows localhost and every
 * cluster host's announce address, which replication and Sentinel need. Why private ranges rather
 * than only the cluster hosts: the clients of a Redis are other machines (app servers) that redis-ha
 * does not know, and a default that cut them off at the first deploy would break working setups;
 * Redis should never face the internet, so private ranges keep every usual client working while public
 * sources are dropped by the kernel before Redis sees them. Any allow list (this one included) brings
 * `systemd-analyze security` from 1.1 to 1.0. List your client networks to narrow it; `["0.0.0.0/0",
 * "::/0"]` turns the filter off.
 */
export const DEFAULT_IP_ADDRESS_ALLOW: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

/**
 * Shortest Redis password accepted. Redis's own redis.conf warns that an outside user can try about a
 * million passwords per second against one instance, so a guessable password is no protection; 16
 * random characters (e.g. `openssl rand -base64 24`) are out of reach. Length is the only thing we can
 * check: use a generated password.
 */
export const MIN_PASSWORD_LENGTH = 16;

/** The values of `server` (an enum in the component's schema). */
export const ServerKind = { redis: "redis", valkey: "valkey" } as const;
export type ServerKind = (typeof ServerKind)[keyof typeof ServerKind];

/** What redis-ha needs to know of a server's Debian packages. */
export interface ServerPackages {
    /** How messages and unit descriptions name it. */
    label: string;
    /** The package of the server binary, which also creates the service account. */
    serverPackage: string;
    /** The package of its CLI. */
    toolsPackage: string;
    serverBinary: string;
    cli: string;
    user: string;
    group: string;
    /** The unit's Documentation=. */
    docs: string;
}

/**
 * The servers redis-ha deploys (`server`), each from its Debian packages: the binary our units run
 * (`--sentinel` for Sentinel), the CLI our remote programs talk through, and the account the
 * services run as (the one the server package creates, which owns nothing of the existing server's).
 * Valkey is a fork of Redis 7.2: same protocol, directives, replication and Sentinel, so everything
 * else (clients, ACL, TLS, exporter) stays the same.
 */
export const SERVERS: Readonly<Record<ServerKind, ServerPackages>> = {
    redis: { label: "Redis", serverPackage: "redis-server", toolsPackage: "redis-tools", serverBinary: "/usr/bin/redis-server", cli: "redis-cli", user: "redis", group: "redis", docs: "https://redis.io/docs/management/" },
    valkey: { label: "Valkey", serverPackage: "valkey-server", toolsPackage: "valkey-tools", serverBinary: "/usr/bin/valkey-server", cli: "valkey-cli", user: "valkey", group: "valkey", docs: "https://valkey.io/topics/" },
};
/** `server`: Redis unless the stack picks Valkey, so that clusters deployed before the setting existed keep what they run. */
export const DEFAULT_SERVER: ServerKind = "redis";

/**
 * redis.conf: the typed settings' defaults (each with its reason), which changes restart a node and
 * which only the password rotation sets, all from the one-row-per-directive table.
 */
export { REDIS_DEFAULTS, RESTART_DIRECTIVES, PASSWORD_DIRECTIVES, SENTINEL_OWNED_DIRECTIVES } from "./directiveTable";

/** sentinel.conf directives we set unless the stack overrides them. */
export const SENTINEL_DEFAULTS = {
    /** `sentinel down-after-milliseconds`: how long a node may be silent before it is subjectively down. */
    downAfterMilliseconds: 5000,
    /** `sentinel failover-timeout`. */
    failoverTimeout: 60000,
    /** `sentinel parallel-syncs`: replicas resyncing with a new master at the same time. */
    parallelSyncs: 1,
    /** `loglevel`. */
    loglevel: "notice" as const,
} as const;

/** Sentinel's own `maxclients` (Redis's default); its unit's LimitNOFILE follows it. */
export const SENTINEL_MAXCLIENTS = 10000;
/** ACL users (`acl` in stack config). The admin user stays `default`: clients and redis-ha's own checks log in with the cluster password. */
export const ACL_DEFAULTS = {
    /** Off unless asked for: one password (`requirepass`/`masterauth`) for everything, as Redis ships. */
    enabled: false,
    /** `masteruser` of every data node. */
    replicationUser: "redis-ha-replication",
    /** `sentinel auth-user` of every sentinel. */
    sentinelUser: "redis-ha-sentinel",
} as const;

/**
 * ACL rules of each user, from the Redis docs ("ACL rules for Sentinel and Replicas"). The Sentinel
 * user gets only the channel Sentinels talk on (`__sentinel__:hello`) instead of the docs' `allchannels`.
 */
export const ACL_RULES = {
    admin: "~* &* +@all",
    replication: "resetkeys resetchannels -@all +psync +replconf +ping",
    sentinel:
        "resetkeys resetchannels &__sentinel__:hello -@all +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill",
} as const;

/** TLS (`tls` in stack config). */
export const TLS_DEFAULTS = {
    /** `tls-auth-clients`: as Redis ships it, clients must present a certificate signed by the CA. */
    authClients: "yes" as const,
} as const;

/** How long the remote steps wait for a service to become healthy, in seconds. */
export const WAIT_SECONDS = {
    /** Sentinel promoting a replica after `SENTINEL FAILOVER` (a rolling restart of the master). */
    failover: 60,
    serviceStart: 60,
    replicaSync: 120,
    sentinelDiscovery: 90,
    healthGate: 120,
} as const;

/** Redis's own `tcp-backlog` (511): the preflight warns when the host's net.core.somaxconn is below what Redis will ask for. */
export const REDIS_TCP_BACKLOG = 511;

/** `redis-ha switchover` refuses a target that last acknowledged its master longer ago than this (INFO's `lag`; a healthy link reports 0 or 1). */
export const SWITCHOVER_MAX_LAG_SECONDS = 2;

/**
 * The frontend (`frontend`): HAProxy and keepalived. The port is neither Redis's nor Sentinel's, so a
 * frontend may share a host with a data node; 6379 stays the distribution's own Redis.
 */
export const FRONTEND_DEFAULTS = {
    /** Port HAProxy listens on (VIP and 127.0.0.1). */
    port: 6390,
    /** `virtual_ipaddress` prefix length: /32 adds the address alone, no route. */
    vipPrefixLength: 32,
    /** HAProxy's health checks: every second, one failure takes a server out and one success puts it back. */
    checkIntervalMs: 1000,
    /** How long one check may take (a node or sentinel that has not answered by then is down). */
    checkTimeoutMs: 1000,
    /** keepalived `advert_int`: a frontend host that stops advertising loses the VIP after about 3 of them. */
    advertIntervalSeconds: 1,
    /** keepalived `priority` of the first and the second frontend host (the higher takes the VIP first). */
    priorities: [150, 100],
} as const;

/** Debian's packages the frontend and metrics run (their binaries, checked by the preflight). */
export const FRONTEND_BINARIES = { haproxy: "/usr/sbin/haproxy", keepalived: "/usr/sbin/keepalived" } as const;
export const EXPORTER_BINARY = "/usr/bin/prometheus-redis-exporter";

/** The exporters (`metrics`): ports clear of Debian's own prometheus-redis-exporter (9121). */
export const METRICS_DEFAULTS = {
    enabled: false,
    redisExporterPort: 9389,
    sentinelExporterPort: 9390,
} as const;
export const EXISTING_EXPORTER_PORT = 9121;
