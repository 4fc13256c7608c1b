/**
 * What runs where, and in which order. Pure: a resolved spec in, ordered step descriptions out.
 */
import { PATHS, SERVICE_GROUP, SERVICE_USER, WAIT_SECONDS } from "../config/defaults";
import { ClusterSpec, HostSpec } from "../config/spec";
import { TlsService, tlsFiles } from "../config/tls";
import { renderRedisConf, renderSentinelConf, renderUnit } from "../render/render";
import { RemoteVars, encodeFile } from "../remote/payload";

/** The order of a deployment: data nodes first (master, then replicas), sentinels last, one at a time. */
export interface DeploymentPlan {
    dataNodes: HostSpec[];
    sentinels: HostSpec[];
    /** Host the final health gate runs on. */
    gateHost: HostSpec;
}

export function deploymentPlan(spec: ClusterSpec): DeploymentPlan {
    const gateHost = spec.sentinels[0] ?? spec.master;
    return { dataNodes: [spec.master, ...spec.replicas], sentinels: [...spec.sentinels], gateHost };
}

const address = (host: HostSpec, port: number) => `${host.announceAddress}:${port}`;

function commonVars(spec: ClusterSpec, host: HostSpec): RemoteVars {
    const { paths } = spec;
    return {
        RH_HOST: host.name,
        RH_MASTER_NAME: spec.masterName,
        RH_REDIS_SERVER_BIN: PATHS.redisServerBinary,
        RH_SERVICE_USER: SERVICE_USER,
        RH_SERVICE_GROUP: SERVICE_GROUP,
        RH_CONFIG_ROOT: PATHS.configRoot,
        RH_DATA_ROOT: PATHS.dataRoot,
        RH_LOG_ROOT: PATHS.logRoot,
        RH_CONFIG_DIR: paths.configDir,
        RH_DATA_DIR: paths.dataDir,
        RH_LOG_DIR: paths.logDir,
        RH_REDIS_PORT: spec.redisPort,
        RH_SENTINEL_PORT: spec.sentinelPort,
        RH_ANNOUNCE_ADDRESS: host.announceAddress,
        RH_INITIAL_MASTER_ADDRESS: spec.master.announceAddress,
        RH_SENTINEL_ADDRESSES: spec.sentinels.map((s) => address(s, spec.sentinelPort)).join(" "),
        RH_WAIT_START: WAIT_SECONDS.serviceStart,
        RH_WAIT_SYNC: WAIT_SECONDS.replicaSync,
        RH_WAIT_DISCOVERY: WAIT_SECONDS.sentinelDiscovery,
        RH_WAIT_HEALTH: WAIT_SECONDS.healthGate,
    };
}

/**
 * TLS inputs of a step for one service on `host`: on or off, the files' paths and their public
 * contents. The private key is a secret: it comes as RH_TLS_KEY through `tlsKeyVars`.
 */
export function tlsVars(spec: ClusterSpec, host: HostSpec, service: TlsService): RemoteVars {
    const files = tlsFiles(spec, host, service);
    if (!spec.tls || !files) {
        // Off: the step removes this service's TLS directory if an earlier deployment left one.
        return { RH_TLS: "no", RH_TLS_DIR: service === "server" ? spec.paths.redisTlsDir : spec.paths.sentinelTlsDir };
    }
    return {
        RH_TLS: "yes",
        RH_TLS_DIR: files.dir,
        RH_TLS_CA_FILE: files.caCertFile,
        RH_TLS_CERT_FILE: files.certFile,
        RH_TLS_KEY_FILE: files.keyFile,
        RH_TLS_CA: encodeFile(spec.tls.caCert),
        RH_TLS_CERT: encodeFile(spec.tls.certificates[host.name] ?? ""),
    };
}

/** The secret TLS input of a step: the host's private key. */
export function tlsKeyVars(privateKey: string | undefined): RemoteVars {
    return privateKey === undefined ? {} : { RH_TLS_KEY: encodeFile(privateKey) };
}

/** Inputs of the data-node step on `host`. */
export function redisStepVars(spec: ClusterSpec, host: HostSpec, password: string): RemoteVars {
    const { paths } = spec;
    return {
        ...commonVars(spec, host),
        ...tlsVars(spec, host, "server"),
        RH_REDIS_UNIT: paths.redisUnitName,
        RH_REDIS_UNIT_PATH: paths.redisUnitFile,
        RH_REDIS_UNIT_FILE: encodeFile(renderUnit(spec, "server")),
        RH_REDIS_CONF_PATH: paths.redisConf,
        RH_REDIS_CONF: encodeFile(renderRedisConf(spec, host, password)),
    };
}

/** Inputs of the sentinel step on `host`, the `index`-th sentinel to start. */
export function sentinelStepVars(spec: ClusterSpec, host: HostSpec, index: number, password: string): RemoteVars {
    const { paths } = spec;
    return {
        ...commonVars(spec, host),
        ...tlsVars(spec, host, "sentinel"),
        RH_SENTINEL_UNIT: paths.sentinelUnitName,
        RH_SENTINEL_UNIT_PATH: paths.sentinelUnitFile,
        RH_SENTINEL_UNIT_FILE: encodeFile(renderUnit(spec, "sentinel")),
        RH_SENTINEL_CONF_PATH: paths.sentinelConf,
        RH_SENTINEL_CONF: encodeFile(renderSentinelConf(spec, host, password)),
        RH_EXPECT_REPLICAS: spec.replicas.length,
        // Sentinels start one at a time: the index-th one can only have met those started before it.
        RH_EXPECT_OTHER_SENTINELS: index,
    };
}

/** Inputs of the final health gate. `revision` changes whenever any node step changes, so the gate re-runs then and only then. */
export function healthGateVars(spec: ClusterSpec, revision: string): RemoteVars {
    const gateHost = deploymentPlan(spec).gateHost;
    return {
        ...commonVars(spec, gateHost),
        // The gate's redis-cli uses the TLS files of a service on its host.
        ...tlsVars(spec, gateHost, spec.sentinels.some((s) => s.name === gateHost.name) ? "sentinel" : "server"),
        RH_DATA_ADDRESSES: [spec.master, ...spec.replicas].map((h) => address(h, spec.redisPort)).join(" "),
        RH_EXPECT_REPLICAS: spec.replicas.length,
        RH_EXPECT_OTHER_SENTINELS: spec.sentinels.length - 1,
        RH_REVISION: revision,
    };
}

/** Inputs of the removal of a data node or sentinel from `host`. */
export function removalVars(spec: ClusterSpec, host: HostSpec, kind: "server" | "sentinel"): RemoteVars {
    const { paths } = spec;
    const isServer = kind === "server";
    const files = isServer
        ? [paths.redisConf, `${paths.redisConf}.managed`, paths.redisLog, `${paths.dataDir}/dump.rdb`, `${paths.dataDir}/appendonlydir`, `${paths.dataDir}/temp-*`, paths.redisTlsDir]
        : [paths.sentinelConf, `${paths.sentinelConf}.managed`, paths.sentinelLog, paths.sentinelTlsDir];
    return {
        RH_HOST: host.name,
        RH_UNIT: isServer ? paths.redisUnitName : paths.sentinelUnitName,
        RH_UNIT_PATH: isServer ? paths.redisUnitFile : paths.sentinelUnitFile,
        RH_FILES: files.join(" "),
        RH_DIRS: [paths.configDir, paths.dataDir, paths.logDir, PATHS.configRoot, PATHS.dataRoot, PATHS.logRoot].join(" "),
    };
}
