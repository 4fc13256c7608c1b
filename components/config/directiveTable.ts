/**
 * Every directive redis-ha writes into a data node's redis.conf, one row each, in the order of the
 * file. From this table come: the typed `redis.*` settings' defaults and checks (validate.ts), the
 * lines of redis.conf (render.ts loops over it), which changes restart a node (`RESTART_DIRECTIVES`)
 * and which only the password rotation sets (`PASSWORD_DIRECTIVES`), which directive Sentinel owns
 * (`SENTINEL_OWNED_DIRECTIVES`), and why `redis.extraDirectives` refuses each of them. Adding a
 * typed directive is one row here, its key in `RedisSettings` (types.ts, for the docs and the
 * schema), and a test. Pure data and pure functions: no Pulumi.
 */
import type { ClusterSpec, HostSpec } from "./spec";
import { AppendFsync, LogLevel, MaxmemoryPolicy, RedisSettings } from "./types";

/** The typed settings: every key of `RedisSettings` but the free-form `extraDirectives`. */
export type TypedSettingKey = Exclude<keyof RedisSettings, "extraDirectives">;

/** How a typed setting's value is checked (validate.ts reports the field and the fix). */
export type SettingCheck =
    | { kind: "boolean" }
    | { kind: "oneOf"; values: readonly string[] }
    | { kind: "integer"; min: number; max: number }
    | { kind: "pattern"; pattern: RegExp; problem: string; fix: string };

/** What render.ts knows when it writes redis.conf for one host; the rows read their values from it. */
export interface DirectiveContext {
    spec: ClusterSpec;
    host: HostSpec;
    /** The TLS files of this host's data node, or false without TLS. */
    tls: false | { certFile: string; keyFile: string; caCertFile: string; authClients: string };
    /** ACL users (`user` lines, already `name on #hash rules`) and the replication login, or false. */
    acl: false | { users: string[]; masterUser: string; masterAuth: string };
    /** The cluster password (unquoted; the row is marked `quoted`). */
    password: string;
}

/** One directive of redis.conf. */
export interface DirectiveRow {
    /** The redis.conf directive. */
    directive: string;
    /** Older names Redis still takes for it (`slave-*`): refused in `redis.extraDirectives` like the directive. */
    aliases?: readonly string[];
    /** Who decides its value after the first deploy: redis-ha (from the stack), or Sentinel (`replicaof`). */
    owner: "ours" | "sentinel";
    /** How a change reaches a running node: CONFIG SET, a restart (after a hand-over on the master), or the password rotation's steps. */
    change: "live" | "restart" | "rotation";
    /** The typed stack setting (`redis.<key>`) that sets it, with its default and its check. */
    setting?: { key: TypedSettingKey; default: string | number | boolean; check: SettingCheck };
    /** Why redis-ha writes it with this value (for a typed setting: why this default). */
    why: string;
    /** What to do instead of setting it in `redis.extraDirectives`. */
    fix: string;
    /** Written only when this holds (TLS, ACL users, a replica). */
    when?: (c: DirectiveContext) => boolean;
    /** The value written; several lines when a list (`user`). */
    value: (c: DirectiveContext) => string | number | readonly string[];
    /** Written in double quotes, the way Redis reads them back (any byte survives). */
    quoted?: boolean;
    /** A comment line above it. */
    comment?: string;
}

const tlsOn = (c: DirectiveContext) => c.tls !== false;
const tlsValue = (pick: (t: Exclude<DirectiveContext["tls"], false>) => string) => (c: DirectiveContext) => (c.tls ? pick(c.tls) : "");
const aclOn = (c: DirectiveContext) => c.acl !== false;
const runtimeDir = (c: DirectiveContext) => `/run/${c.spec.paths.redisRuntimeDir}`;
/** A typed setting's value as the resolved spec holds it. */
const setting = (key: TypedSettingKey) => (c: DirectiveContext) => {
    const value = c.spec.redis[key];
    return typeof value === "boolean" ? (value ? "yes" : "no") : value;
};

const NETWORK = "redis-ha sets it from the host and port settings so that Sentinel, replicas and clients agree on addresses";
const PATHS_WHY =
    "redis-ha owns this instance's files and sockets (they must not collide with the existing Redis, and the unit only allows writes there)";
const PATHS_FIX = "remove it: the paths are derived from `clusterName`";
const TLS_WHY = "redis-ha configures TLS on every Redis and Sentinel port itself, so that Sentinel, replicas and the health checks agree";
const TLS_FIX = "remove it and set the `tls` option (caCertFile, certFile, keyFile, authClients)";
const AUTH_WHY = "redis-ha sets it from the `password` secret, the same on every node and sentinel";
const AUTH_FIX = "remove it and set the `password` secret";
const typedFix = (key: TypedSettingKey) => `remove it and set \`redis.${key}\` instead`;
const typed = (key: TypedSettingKey, why: string) => ({ why, fix: typedFix(key), value: setting(key), change: "live" as const, owner: "ours" as const });

/** The rows, in the order redis.conf has them. */
export const REDIS_CONF_DIRECTIVES: readonly DirectiveRow[] = [
    { directive: "port", owner: "ours", change: "restart", why: NETWORK, fix: "remove it and set `redisPort`", value: (c) => (c.tls ? 0 : c.spec.redisPort) },
    { directive: "tls-port", owner: "ours", change: "restart", why: TLS_WHY, fix: TLS_FIX, when: tlsOn, value: (c) => c.spec.redisPort },
    { directive: "tls-cert-file", owner: "ours", change: "live", why: TLS_WHY, fix: TLS_FIX, when: tlsOn, value: tlsValue((t) => t.certFile) },
    { directive: "tls-key-file", owner: "ours", change: "live", why: TLS_WHY, fix: TLS_FIX, when: tlsOn, value: tlsValue((t) => t.keyFile) },
    { directive: "tls-ca-cert-file", owner: "ours", change: "live", why: TLS_WHY, fix: TLS_FIX, when: tlsOn, value: tlsValue((t) => t.caCertFile) },
    { directive: "tls-auth-clients", owner: "ours", change: "live", why: TLS_WHY, fix: TLS_FIX, when: tlsOn, value: tlsValue((t) => t.authClients) },
    { directive: "tls-replication", owner: "ours", change: "live", why: TLS_WHY, fix: TLS_FIX, when: tlsOn, value: () => "yes" },
    { directive: "bind", owner: "ours", change: "restart", why: NETWORK, fix: "remove it and set `hosts[].bind`", value: (c) => c.host.bind.join(" ") },
    {
        directive: "protected-mode",
        owner: "ours",
        change: "restart",
        why: NETWORK,
        fix: "remove it: protected mode stays on, with a password and explicit bind addresses",
        value: () => "yes",
    },
    { directive: "daemonize", owner: "ours", change: "restart", why: "the systemd unit is Type=notify and needs Redis in the foreground", fix: "remove it", value: () => "no" },
    { directive: "supervised", owner: "ours", change: "restart", why: "the systemd unit is Type=notify and needs `supervised systemd`", fix: "remove it", value: () => "systemd" },
    { directive: "pidfile", owner: "ours", change: "restart", why: PATHS_WHY, fix: PATHS_FIX, value: (c) => `${runtimeDir(c)}/redis.pid` },
    { directive: "unixsocket", owner: "ours", change: "restart", why: PATHS_WHY, fix: PATHS_FIX, value: (c) => `${runtimeDir(c)}/redis.sock` },
    { directive: "unixsocketperm", owner: "ours", change: "restart", why: PATHS_WHY, fix: PATHS_FIX, value: () => 700 },
    { directive: "logfile", owner: "ours", change: "restart", why: PATHS_WHY, fix: PATHS_FIX, value: (c) => c.spec.paths.redisLog },
    { directive: "loglevel", setting: { key: "loglevel", default: "notice", check: { kind: "oneOf", values: Object.values(LogLevel) } }, ...typed("loglevel", "Redis's own default") },
    { directive: "dir", owner: "ours", change: "restart", why: PATHS_WHY, fix: PATHS_FIX, value: (c) => c.spec.paths.dataDir },
    { directive: "dbfilename", owner: "ours", change: "restart", why: PATHS_WHY, fix: PATHS_FIX, value: () => "dump.rdb" },
    {
        directive: "save",
        setting: {
            key: "save",
            default: "3600 1 300 100 60 10000",
            check: { kind: "pattern", pattern: /^$|^[0-9]+ [0-9]+( [0-9]+ [0-9]+)*$/, problem: 'is not a list of "<seconds> <changes>" pairs', fix: 'use e.g. "3600 1 300 100", or "" to disable RDB snapshots' },
        },
        quoted: true,
        ...typed("save", "RDB snapshots as Redis ships them, used for full resyncs and backups"),
    },
    { directive: "appendonly", setting: { key: "appendonly", default: true, check: { kind: "boolean" } }, ...typed("appendonly", "AOF on, so a restarted master does not come back empty and wipe its replicas") },
    { directive: "appendfilename", owner: "ours", change: "restart", why: PATHS_WHY, fix: PATHS_FIX, quoted: true, value: () => "appendonly.aof" },
    {
        directive: "appendfsync",
        setting: { key: "appendfsync", default: "everysec", check: { kind: "oneOf", values: Object.values(AppendFsync) } },
        ...typed("appendfsync", "at most ~1 s of writes lost on a host crash"),
    },
    {
        directive: "maxclients",
        setting: { key: "maxclients", default: 10000, check: { kind: "integer", min: 1, max: 1_000_000 } },
        ...typed("maxclients", "as Redis ships it; the unit's LimitNOFILE follows it"),
    },
    {
        directive: "maxmemory",
        setting: {
            key: "maxmemory",
            default: "0",
            check: { kind: "pattern", pattern: /^[0-9]+(b|k|kb|m|mb|g|gb)?$/i, problem: "is not a memory size", fix: 'use a Redis size such as "256mb", "2gb" or "0" for no limit' },
        },
        ...typed("maxmemory", "0 means no limit, as in Redis"),
    },
    {
        directive: "maxmemory-policy",
        setting: { key: "maxmemoryPolicy", default: "noeviction", check: { kind: "oneOf", values: Object.values(MaxmemoryPolicy) } },
        ...typed("maxmemoryPolicy", "never evict silently; writes fail when full"),
    },
    {
        directive: "min-replicas-to-write",
        aliases: ["min-slaves-to-write"],
        setting: { key: "minReplicasToWrite", default: 0, check: { kind: "integer", min: 0, max: 1000 } },
        ...typed("minReplicasToWrite", "0 keeps the master writable with no replica; raise it to bound loss on partition"),
    },
    {
        directive: "min-replicas-max-lag",
        aliases: ["min-slaves-max-lag"],
        setting: { key: "minReplicasMaxLag", default: 10, check: { kind: "integer", min: 1, max: 3600 } },
        ...typed("minReplicasMaxLag", "seconds a replica may lag and still count for min-replicas-to-write"),
    },
    {
        directive: "repl-diskless-sync-max-replicas",
        owner: "ours",
        change: "live",
        why: "a full sync starts as soon as every replica of the cluster waits for it, not 5 s later (repl-diskless-sync-delay): a first deploy, or replicas resyncing together",
        fix: "remove it: redis-ha sets it to the cluster's number of replicas",
        value: (c) => c.spec.replicas.length,
    },
    {
        directive: "replica-priority",
        aliases: ["slave-priority"],
        setting: { key: "replicaPriority", default: 100, check: { kind: "integer", min: 0, max: 1000 } },
        ...typed("replicaPriority", "lower wins at failover, 0 never promoted"),
    },
    {
        directive: "replica-read-only",
        aliases: ["slave-read-only"],
        owner: "ours",
        change: "live",
        why: "a writable replica diverges from its master and loses those writes at the next sync",
        fix: "remove it",
        value: () => "yes",
    },
    {
        directive: "replica-announce-ip",
        aliases: ["slave-announce-ip"],
        owner: "ours",
        change: "live",
        why: NETWORK,
        fix: "remove it and set `hosts[].announceAddress`",
        value: (c) => c.host.announceAddress,
    },
    { directive: "replica-announce-port", aliases: ["slave-announce-port"], owner: "ours", change: "live", why: NETWORK, fix: "remove it and set `redisPort`", value: (c) => c.spec.redisPort },
    {
        directive: "user",
        owner: "ours",
        change: "rotation",
        why: "redis-ha writes the ACL users replicas and sentinels need; other users would bypass them",
        fix: "remove it; `acl: {enabled: true}` gives replication and Sentinel users of their own",
        comment: "ACL users: passwords as SHA-256 hashes only. `default` is the admin user (the cluster password).",
        when: aclOn,
        value: (c) => (c.acl ? c.acl.users : []),
    },
    {
        directive: "masteruser",
        owner: "ours",
        change: "live",
        why: "redis-ha sets it (with `acl.enabled`, to its replication user)",
        fix: "remove it and set `acl: {enabled: true}`",
        when: aclOn,
        value: (c) => (c.acl ? c.acl.masterUser : ""),
    },
    { directive: "requirepass", owner: "ours", change: "rotation", why: AUTH_WHY, fix: AUTH_FIX, when: (c) => !aclOn(c), quoted: true, value: (c) => c.password },
    { directive: "masterauth", owner: "ours", change: "live", why: AUTH_WHY, fix: AUTH_FIX, quoted: true, value: (c) => (c.acl ? c.acl.masterAuth : c.password) },
    {
        directive: "replicaof",
        aliases: ["slaveof"],
        owner: "sentinel",
        change: "live",
        why: "Sentinel decides which node is master; redis-ha only picks the first one",
        fix: "remove it and choose the initial master with `master`",
        when: (c) => c.host.name !== c.spec.master.name,
        value: (c) => `${c.spec.master.announceAddress} ${c.spec.redisPort}`,
    },
];

const namesOf = (rows: readonly DirectiveRow[]) => rows.flatMap((r) => [r.directive, ...(r.aliases ?? [])]);

/** Directives a change of which restarts a running node (the master after handing mastership over). */
export const RESTART_DIRECTIVES: readonly string[] = namesOf(REDIS_CONF_DIRECTIVES.filter((r) => r.change === "restart"));

/**
 * Directives that hold the passwords and that a node's step never sets live: the rotation's steps
 * do (remote/auth.sh), so that nothing is ever unable to log in.
 */
export const PASSWORD_DIRECTIVES: readonly string[] = namesOf(REDIS_CONF_DIRECTIVES.filter((r) => r.change === "rotation"));

/** Directives Sentinel owns once the cluster runs: never compared, never put back. */
export const SENTINEL_OWNED_DIRECTIVES: readonly string[] = namesOf(REDIS_CONF_DIRECTIVES.filter((r) => r.owner === "sentinel"));

/** The typed settings' rows, by key. */
export const TYPED_SETTINGS = REDIS_CONF_DIRECTIVES.flatMap((r) => (r.setting ? [{ ...r.setting, directive: r.directive }] : []));

/** The default of every typed setting (`redis.*` in stack config), by key. */
export const REDIS_DEFAULTS = Object.fromEntries(TYPED_SETTINGS.map((s) => [s.key, s.default])) as { [K in TypedSettingKey]-?: NonNullable<RedisSettings[K]> };
