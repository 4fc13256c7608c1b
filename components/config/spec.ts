/**
 * The resolved description of a cluster: every default applied, every name checked.
 * Everything downstream (rendering, ordering, resources) reads only this.
 */
import { PATHS, REDIS_TCP_BACKLOG, ServerKind } from "./defaults";
import { HostKey } from "./hostKeys";
import { AppendFsync, TlsAuthClients } from "./types";

/** A validated host. */
export interface HostSpec {
    name: string;
    sshHost: string;
    sshPort: number;
    sshUser: string;
    /** IP that Redis and Sentinel announce and that peers and clients use. */
    announceAddress: string;
    bind: string[];
    /** Host keys given in the stack (`hosts[].hostKey`); empty when they come from the known_hosts file. */
    hostKeys: HostKey[];
}

/** How redis-ha's SSH connections are made and checked. */
export interface SshSpec {
    /** Absolute path of the known_hosts file for hosts without `hostKey`. */
    knownHostsFile: string;
    /** Host keys are checked (false only with `ssh.insecureIgnoreHostKeys`). */
    verifyHostKeys: boolean;
    /** Seconds per connection attempt. */
    connectTimeout: number;
}

/** Where a cluster's files and units live on each host; derived from the cluster name only. */
export interface ClusterPaths {
    configDir: string;
    dataDir: string;
    /** The installed remote programs (root only). */
    programsDir: string;
    logDir: string;
    redisConf: string;
    sentinelConf: string;
    redisLog: string;
    sentinelLog: string;
    redisUnitName: string;
    sentinelUnitName: string;
    redisUnitFile: string;
    sentinelUnitFile: string;
    redisRuntimeDir: string;
    sentinelRuntimeDir: string;
    /** TLS files of the data node and of the sentinel: one directory each, removed with its service. */
    redisTlsDir: string;
    sentinelTlsDir: string;
    /** `hostTuning`'s sysctl.d drop-in (per cluster, so two clusters on one host never clash). */
    sysctlFile: string;
    /** `hostTuning`'s oneshot unit that sets transparent huge pages to `madvise` at boot. */
    thpUnitName: string;
    thpUnitFile: string;
    /** The frontend's files (root:haproxy 0750; a `.` no cluster name has, so no cluster's directory is another's). */
    frontendDir: string;
    haproxyConf: string;
    keepalivedConf: string;
    haproxyUnitName: string;
    keepalivedUnitName: string;
    haproxyUnitFile: string;
    keepalivedUnitFile: string;
    haproxyRuntimeDir: string;
    keepalivedRuntimeDir: string;
    /** The exporters' files (root-only: the password files, which each unit copies to its exporter's runtime directory at start). */
    exporterDir: string;
    exporterUnitName: Record<"server" | "sentinel", string>;
    exporterUnitFile: Record<"server" | "sentinel", string>;
    exporterPasswordFile: Record<"server" | "sentinel", string>;
    exporterRuntimeDir: Record<"server" | "sentinel", string>;
}

/** Resolved `frontend`: HAProxy + keepalived on two hosts, holding `vip`. */
export interface FrontendSpec {
    hosts: HostSpec[];
    vip: string;
    vipPrefixLength: number;
    port: number;
    /** Undefined: found on each host (the interface holding its announce address). */
    interface?: string;
    virtualRouterId: number;
}

/** Resolved `metrics` (present only when enabled). */
export interface MetricsSpec {
    redisExporterPort: number;
    sentinelExporterPort: number;
    allowList: string[];
}

export interface ClusterSpec {
    clusterName: string;
    /** Name Sentinel monitors the master under (the cluster name). */
    masterName: string;
    hosts: HostSpec[];
    ssh: SshSpec;
    /** Host whose Redis is master at first deploy; later Sentinel decides. */
    master: HostSpec;
    replicas: HostSpec[];
    sentinels: HostSpec[];
    quorum: number;
    redisPort: number;
    sentinelPort: number;
    redis: {
        appendonly: boolean;
        appendfsync: AppendFsync;
        save: string;
        maxmemory: string;
        maxmemoryPolicy: string;
        maxclients: number;
        minReplicasToWrite: number;
        minReplicasMaxLag: number;
        replicaPriority: number;
        loglevel: string;
        /** `redis.extraDirectives`, checked, lower-case names, values as written to redis.conf. */
        extraDirectives: Array<{ name: string; value: string }>;
    };
    sentinel: {
        downAfterMilliseconds: number;
        failoverTimeout: number;
        parallelSyncs: number;
        loglevel: string;
    };
    /** ACL users; undefined when `acl.enabled` is false. */
    acl?: AclSpec;
    /** TLS; undefined when off. */
    tls?: TlsSpec;
    paths: ClusterPaths;
    /** Remote addresses (prefixes) the units accept besides localhost and the cluster's hosts (`ipAllowList`). */
    ipAllowList: string[];
    /** Fewer than 3 sentinels were accepted because the stack said so (`allowUnsafeTopology`). */
    unsafeTopology: boolean;
    /** Whether the data nodes' hosts get the kernel settings Redis asks for (`hostTuning`). */
    hostTuning: boolean;
    /** Which server the data nodes and sentinels run (`server`): Debian's Redis or Valkey. */
    server: ServerKind;
    /** The VIP frontend; undefined when off. */
    frontend?: FrontendSpec;
    /** The exporters; undefined when off. */
    metrics?: MetricsSpec;
}

/** Resolved TLS settings: PEM texts (public), checked against each host. Private keys are secrets and come separately. */
export interface TlsSpec {
    caCert: string;
    /** Certificate of each host, by host name. */
    certificates: Record<string, string>;
    authClients: TlsAuthClients;
}

/** Resolved ACL settings: the two users' names. Their passwords are derived (components/config/acl.ts). */
export interface AclSpec {
    replicationUser: string;
    sentinelUser: string;
}

/**
 * Unit names are `redis-ha-<cluster>-server` / `-sentinel`: never Debian's `redis-server` or
 * `redis-sentinel`, and never another cluster's.
 */
export function clusterPaths(clusterName: string): ClusterPaths {
    const configDir = `${PATHS.configRoot}/${clusterName}`;
    const logDir = `${PATHS.logRoot}/${clusterName}`;
    const redisUnitName = `redis-ha-${clusterName}-server.service`;
    const sentinelUnitName = `redis-ha-${clusterName}-sentinel.service`;
    const thpUnitName = `redis-ha-${clusterName}-thp.service`;
    const frontendDir = `${PATHS.configRoot}/${clusterName}.frontend`;
    const exporterDir = `${PATHS.configRoot}/${clusterName}.exporter`;
    const unit = (role: string) => `redis-ha-${clusterName}-${role}.service`;
    const exporterUnitName = { server: unit("server-exporter"), sentinel: unit("sentinel-exporter") };
    return {
        configDir,
        dataDir: `${PATHS.dataRoot}/${clusterName}`,
        // A `.` is in no cluster name, so this is never another cluster's data directory.
        programsDir: `${PATHS.dataRoot}/${clusterName}.programs`,
        logDir,
        redisConf: `${configDir}/redis.conf`,
        sentinelConf: `${configDir}/sentinel.conf`,
        redisLog: `${logDir}/redis.log`,
        sentinelLog: `${logDir}/sentinel.log`,
        redisUnitName,
        sentinelUnitName,
        redisUnitFile: `${PATHS.unitDir}/${redisUnitName}`,
        sentinelUnitFile: `${PATHS.unitDir}/${sentinelUnitName}`,
        redisRuntimeDir: `redis-ha-${clusterName}-server`,
        sentinelRuntimeDir: `redis-ha-${clusterName}-sentinel`,
        redisTlsDir: `${configDir}/tls-server`,
        sentinelTlsDir: `${configDir}/tls-sentinel`,
        sysctlFile: `/etc/sysctl.d/60-redis-ha-${clusterName}.conf`,
        thpUnitName,
        thpUnitFile: `${PATHS.unitDir}/${thpUnitName}`,
        frontendDir,
        haproxyConf: `${frontendDir}/haproxy.cfg`,
        keepalivedConf: `${frontendDir}/keepalived.conf`,
        haproxyUnitName: unit("haproxy"),
        keepalivedUnitName: unit("keepalived"),
        haproxyUnitFile: `${PATHS.unitDir}/${unit("haproxy")}`,
        keepalivedUnitFile: `${PATHS.unitDir}/${unit("keepalived")}`,
        haproxyRuntimeDir: `redis-ha-${clusterName}-haproxy`,
        keepalivedRuntimeDir: `redis-ha-${clusterName}-keepalived`,
        exporterDir,
        exporterUnitName,
        exporterUnitFile: { server: `${PATHS.unitDir}/${exporterUnitName.server}`, sentinel: `${PATHS.unitDir}/${exporterUnitName.sentinel}` },
        exporterPasswordFile: { server: `${exporterDir}/server.password.json`, sentinel: `${exporterDir}/sentinel.password.json` },
        exporterRuntimeDir: { server: `redis-ha-${clusterName}-server-exporter`, sentinel: `redis-ha-${clusterName}-sentinel-exporter` },
    };
}

/** The `tcp-backlog` Redis runs with: the stack's `redis.extraDirectives` entry, or Redis's own default. */
export function tcpBacklog(spec: ClusterSpec): number {
    const set = spec.redis.extraDirectives.find((d) => d.name === "tcp-backlog")?.value;
    return set === undefined ? REDIS_TCP_BACKLOG : Number(set);
}
