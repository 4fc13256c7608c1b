/**
 * What runs where, and in which order. Pure: a resolved spec in, ordered step descriptions out.
 */
import { PASSWORD_DIRECTIVES, PATHS, RESTART_DIRECTIVES, SENTINEL_OWNED_DIRECTIVES, SERVERS, SWITCHOVER_MAX_LAG_SECONDS, WAIT_SECONDS } from "../config/defaults";
import * as crypto from "crypto";
import { ClusterSpec, HostSpec, tcpBacklog } from "../config/spec";
import { AclCredential, aclUserRules, dataNodeLogins, passwordSha256, replicationPassword } from "../config/acl";
import { TlsService, tlsFiles } from "../config/tls";
import { renderRedisConf, renderSentinelConf, renderSysctlConf, renderThpUnit, renderUnit } from "../render/render";
import { StagedFile, StagedInputs, encodeFile, installedProgramsVar, stagedInputs } from "../remote/payload";
import { EXPORTER_BINARY, FRONTEND_BINARIES } from "../config/defaults";
import { REDIS_FILE_ONLY_DIRECTIVES } from "../config/redisDirectives";
import { INTERFACE_PLACEHOLDER, exporterEndpoint, exporterPort, frontendOf, metricsOf, respCommand, renderExporterPasswordFile, renderExporterUnit, renderHaproxyConf, renderHaproxyUnit, renderKeepalivedConf, renderKeepalivedUnit } from "../render/frontend";
import {
    AuthInputs,
    CheckInputs,
    CommonInputs,
    ExporterStepInputs,
    FrontendStepInputs,
    HealthExpectations,
    HealthGateInputs,
    HostTuningInputs,
    InstallInputs,
    PreflightInputs,
    ProgramsRemovalInputs,
    RedisStepInputs,
    RemovalInputs,
    SentinelStepInputs,
    ServiceAccountInputs,
    ServiceInputs,
    StatusInputs,
    SwitchoverInputs,
    TlsInputs,
    TlsKeyInput,
    TlsPathInputs,
    UnitRemovalInputs,
} from "../remote/inputs";

/**
 * The order of a deployment: a preflight on every host (nothing changes anywhere if one fails), then
 * data nodes one at a time, replicas first and the configured master last, then sentinels one at a
 * time, then the health gate.
 *
 * Replicas first: a rolling change then reaches the master once every replica has it, and the
 * master hands mastership to an updated replica (the step of whichever host is master at apply time
 * does the hand-over, so after a failover it still happens, at most once more). At first deploy the
 * replicas start before their master and the master's step waits for them to link.
 */
export interface DeploymentPlan {
    /** Every host with a role: each gets a preflight. */
    hosts: HostSpec[];
    dataNodes: HostSpec[];
    sentinels: HostSpec[];
    /** The frontend hosts, one at a time after the sentinels (empty without `frontend`). */
    frontends: HostSpec[];
    /** Each exporter (`metrics`): the data node's and the sentinel's of every host that runs them. */
    exporters: Array<{ host: HostSpec; kind: "server" | "sentinel" }>;
    /** Host the final health gate runs on. */
    gateHost: HostSpec;
}

export function deploymentPlan(spec: ClusterSpec): DeploymentPlan {
    const gateHost = spec.sentinels[0] ?? spec.master;
    const dataNodes = [...spec.replicas, spec.master];
    const frontends = spec.frontend ? [...spec.frontend.hosts] : [];
    const hosts = spec.hosts.filter((h) => hasRole(dataNodes, h) || hasRole(spec.sentinels, h) || hasRole(frontends, h));
    const exporters = spec.metrics
        ? [...dataNodes.map((host) => ({ host, kind: "server" as const })), ...spec.sentinels.map((host) => ({ host, kind: "sentinel" as const }))]
        : [];
    return { hosts, dataNodes, sentinels: [...spec.sentinels], frontends, exporters, gateHost };
}

const hasRole = (holders: HostSpec[], host: HostSpec) => holders.some((h) => h.name === host.name);

const address = (host: HostSpec, port: number) => `${host.announceAddress}:${port}`;

const dataAddresses = (spec: ClusterSpec) => [spec.master, ...spec.replicas].map((h) => address(h, spec.redisPort)).join(" ");

function commonVars(spec: ClusterSpec, host: HostSpec): CommonInputs {
    const { paths } = spec;
    const server = SERVERS[spec.server];
    return {
        RH_HOST: host.name,
        RH_MASTER_NAME: spec.masterName,
        RH_SERVER: spec.server,
        RH_REDIS_SERVER_BIN: server.serverBinary,
        RH_CLI: server.cli,
        RH_SERVER_PACKAGE: server.serverPackage,
        RH_TOOLS_PACKAGE: server.toolsPackage,
        RH_SERVICE_USER: server.user,
        RH_SERVICE_GROUP: server.group,
        RH_CONFIG_ROOT: PATHS.configRoot,
        RH_DATA_ROOT: PATHS.dataRoot,
        RH_LOG_ROOT: PATHS.logRoot,
        RH_CONFIG_DIR: paths.configDir,
        RH_DATA_DIR: paths.dataDir,
        RH_LOG_DIR: paths.logDir,
        RH_PROGRAMS_DIR: paths.programsDir,
        RH_REDIS_PORT: spec.redisPort,
        RH_SENTINEL_PORT: spec.sentinelPort,
        RH_ANNOUNCE_ADDRESS: host.announceAddress,
        RH_INITIAL_MASTER_ADDRESS: spec.master.announceAddress,
        RH_SENTINEL_ADDRESSES: spec.sentinels.map((s) => address(s, spec.sentinelPort)).join(" "),
        RH_QUORUM: spec.quorum,
        RH_WAIT_FAILOVER: WAIT_SECONDS.failover,
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
export function tlsVars(spec: ClusterSpec, host: HostSpec, service: TlsService): TlsInputs {
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

/** Where this service's TLS files are on the host (for programs that only use them, like removal). */
function tlsFilePaths(spec: ClusterSpec, host: HostSpec, service: TlsService): TlsPathInputs {
    const paths = tlsVars(spec, host, service);
    delete paths.RH_TLS_CA;
    delete paths.RH_TLS_CERT;
    return paths;
}

/** The secret TLS input of a step: the host's private key. */
export function tlsKeyVars(privateKey: string | undefined): TlsKeyInput {
    return privateKey === undefined ? {} : { RH_TLS_KEY: encodeFile(privateKey) };
}

/** Inputs of the data-node step on `host`. */
export function redisStepVars(spec: ClusterSpec, host: HostSpec, password: string): RedisStepInputs {
    const { paths } = spec;
    return {
        ...commonVars(spec, host),
        ...tlsVars(spec, host, "server"),
        RH_REDIS_UNIT: paths.redisUnitName,
        RH_REDIS_UNIT_PATH: paths.redisUnitFile,
        RH_REDIS_UNIT_FILE: encodeFile(renderUnit(spec, "server")),
        RH_REDIS_CONF_PATH: paths.redisConf,
        RH_REDIS_CONF: encodeFile(renderRedisConf(spec, host, password)),
        RH_RESTART_DIRECTIVES: RESTART_DIRECTIVES.join(" "),
        RH_PASSWORD_DIRECTIVES: PASSWORD_DIRECTIVES.join(" "),
        RH_SENTINEL_OWNED: SENTINEL_OWNED_DIRECTIVES.join(" "),
        RH_AUTH_USERS: dataNodeLogins(spec.acl, password, spec.clusterName)
            .map((l) => l.user)
            .join(" "),
        RH_DATA_ADDRESSES: dataAddresses(spec),
        ...serviceAccountVars(spec, host, "server"),
        ...hostTuningVars(spec),
    };
}

/** The files a data node or sentinel writes itself, which belong to the account it runs as. */
function serviceFiles(spec: ClusterSpec, kind: "server" | "sentinel"): string[] {
    const { paths } = spec;
    return kind === "server"
        ? [paths.redisConf, paths.redisLog, `${paths.dataDir}/dump.rdb`, `${paths.dataDir}/appendonlydir`]
        : [paths.sentinelConf, paths.sentinelLog];
}

/** Inputs of a data node's or sentinel's step that concern the account it runs as (see ServiceAccountInputs). */
function serviceAccountVars(spec: ClusterSpec, host: HostSpec, kind: "server" | "sentinel"): ServiceAccountInputs {
    const { paths } = spec;
    const peerRole = kind === "server" ? hasRole(spec.sentinels, host) : hasRole(deploymentPlan(spec).dataNodes, host);
    const peerUnit = kind === "server" ? paths.sentinelUnitName : paths.redisUnitName;
    return { RH_PEER_UNIT: peerRole ? peerUnit : "", RH_SERVICE_FILES: serviceFiles(spec, kind).join(" ") };
}

/** `hostTuning` of a data node's host: on with its files' contents, or off (the step removes files an earlier deployment left). */
function hostTuningVars(spec: ClusterSpec): HostTuningInputs {
    const { paths } = spec;
    const where = { RH_SYSCTL_PATH: paths.sysctlFile, RH_THP_UNIT: paths.thpUnitName, RH_THP_UNIT_PATH: paths.thpUnitFile };
    if (!spec.hostTuning) return { RH_HOST_TUNING: "no", ...where };
    return { RH_HOST_TUNING: "yes", ...where, RH_SYSCTL_FILE: encodeFile(renderSysctlConf(spec)), RH_THP_UNIT_FILE: encodeFile(renderThpUnit(spec)) };
}

/** Step inputs that hold a secret whole (not a file with secret lines): they travel on stdin only. */
const SECRET_INPUTS: readonly string[] = ["RH_EXPORTER_PASSWORD"];

/**
 * The plain inputs of the step `id` on `spec`'s hosts, as its host's programs step stages them (and
 * `pulumi preview --diff` shows them): `inputs` is the step's inputs for the stand-in password, less
 * its staged `files` and its secrets.
 */
export function reviewedInputs(spec: ClusterSpec, id: string, inputs: object, files: readonly StagedFile[]): StagedInputs {
    return stagedInputs(`${spec.paths.programsDir}/${id}.inputs`, inputs, files, SECRET_INPUTS);
}

/** The stand-in password a step's files are rendered with for their review (see `reviewedFiles`). */
export const REVIEW_PASSWORD = "review-password-stand-in";

/**
 * Each step input that carries a file the step writes (base64), and the input that says where: the
 * files a host's programs step stages for its steps (payload.ts StagedFile). The exporters' password
 * files are all secret: they travel whole on the steps' stdin.
 */
const FILE_INPUTS: Readonly<Record<string, string>> = {
    RH_REDIS_CONF: "RH_REDIS_CONF_PATH",
    RH_REDIS_UNIT_FILE: "RH_REDIS_UNIT_PATH",
    RH_SYSCTL_FILE: "RH_SYSCTL_PATH",
    RH_THP_UNIT_FILE: "RH_THP_UNIT_PATH",
    RH_SENTINEL_CONF: "RH_SENTINEL_CONF_PATH",
    RH_SENTINEL_UNIT_FILE: "RH_SENTINEL_UNIT_PATH",
    RH_TLS_CA: "RH_TLS_CA_FILE",
    RH_TLS_CERT: "RH_TLS_CERT_FILE",
    RH_HAPROXY_CONF: "RH_HAPROXY_CONF_PATH",
    RH_HAPROXY_UNIT_FILE: "RH_HAPROXY_UNIT_PATH",
    RH_KEEPALIVED_CONF: "RH_KEEPALIVED_CONF_PATH",
    RH_KEEPALIVED_UNIT_FILE: "RH_KEEPALIVED_UNIT_PATH",
    RH_EXPORTER_UNIT_FILE: "RH_EXPORTER_UNIT_PATH",
};

/**
 * The files a step writes, as its host's programs step stages them and a reviewer reads them in
 * `pulumi preview --diff`: `inputs` is the step's inputs for the stand-in password (REVIEW_PASSWORD),
 * every secret masked, so that the text is no secret and a change shows line by line
 * (`maxmemory 256mb` -> `maxmemory 512mb` in each data node's redis.conf).
 */
export function reviewedFiles(inputs: object): StagedFile[] {
    const vars = inputs as Record<string, unknown>;
    // HAProxy's checks send AUTH hex-encoded (send-binary): the stand-in's encoding is what to mask.
    const auth = Buffer.from(respCommand("AUTH", REVIEW_PASSWORD), "utf8").toString("hex");
    return Object.entries(FILE_INPUTS).flatMap(([variable, pathVariable]) => {
        const content = vars[variable];
        const where = vars[pathVariable];
        if (typeof content !== "string") return [];
        if (typeof where !== "string") throw new Error(`internal: ${variable} without ${pathVariable}`);
        const text = maskSecrets(Buffer.from(content, "base64").toString("utf8")).split(auth).join("(secret)");
        return [{ variable, path: where, text }];
    });
}

/** The rendered lines that hold a secret (or something derived from one), with the value replaced. */
export function maskSecrets(conf: string): string {
    return conf
        .split("\n")
        .map((line) => {
            const words = line.split(" ");
            if (/^(requirepass|masterauth) /.test(line)) return `${words[0]} (secret)`;
            if (/^sentinel auth-pass /.test(line)) return `sentinel auth-pass ${words[2]} (secret)`;
            // ACL users: `user <name> on #<sha256> <rules>`; the hash stands for a password.
            if (/^user /.test(line)) return words.map((w) => (w.startsWith("#") || w.startsWith(">") ? "(secret)" : w)).join(" ");
            return line;
        })
        .join("\n");
}

/** Inputs of the preflight on `host`: the ports its roles need must be free or already ours. */
export function preflightVars(spec: ClusterSpec, host: HostSpec, revision: string): PreflightInputs {
    const { paths } = spec;
    const plan = deploymentPlan(spec);
    const ports: string[] = [];
    if (hasRole(plan.dataNodes, host)) ports.push(`${spec.redisPort}:${paths.redisUnitName}`);
    if (hasRole(spec.sentinels, host)) ports.push(`${spec.sentinelPort}:${paths.sentinelUnitName}`);
    const binaries: string[] = [];
    if (spec.frontend && hasRole(plan.frontends, host)) {
        ports.push(`${spec.frontend.port}:${paths.haproxyUnitName}`);
        binaries.push(`haproxy:${FRONTEND_BINARIES.haproxy}`, `keepalived:${FRONTEND_BINARIES.keepalived}`);
    }
    for (const e of plan.exporters.filter((x) => x.host.name === host.name)) {
        ports.push(`${exporterPort(metricsOf(spec), e.kind)}:${paths.exporterUnitName[e.kind]}`);
        binaries.push(`prometheus-redis-exporter:${EXPORTER_BINARY}`);
    }
    // Redis's host warnings concern data nodes: tcp-backlog as Redis will run with it (511 unless set).
    const isRedisHost = hasRole(plan.dataNodes, host) || hasRole(spec.sentinels, host);
    const backlog = hasRole(plan.dataNodes, host) ? String(tcpBacklog(spec)) : "";
    const units = [...(hasRole(plan.dataNodes, host) ? [paths.redisUnitName] : []), ...(hasRole(spec.sentinels, host) ? [paths.sentinelUnitName] : [])];
    return {
        ...commonVars(spec, host),
        RH_PORTS: ports.join(" "),
        RH_REVISION: revision,
        RH_TCP_BACKLOG: backlog,
        // Only where there is something to say, so that a cluster without frontend or metrics keeps its preflight's inputs.
        ...(isRedisHost ? {} : { RH_REDIS_HOST: "no" as const }),
        ...(binaries.length ? { RH_BINARIES: [...new Set(binaries)].join(" ") } : {}),
        ...(units.length ? { RH_SERVER_UNITS: units.join(" ") } : {}),
        ...(hasRole(plan.dataNodes, host) ? { RH_DIRECTIVES: configTableDirectives(spec, host).join(" ") } : {}),
    };
}

/**
 * The directives of `host`'s redis.conf that are in the server's config table (`CONFIG GET` knows
 * them), which the preflight asks the host's own server binary about: a version that lacks one is
 * refused before any host changes. File-only directives (`user`, `include`, ...) are not asked.
 */
export function configTableDirectives(spec: ClusterSpec, host: HostSpec): string[] {
    const names = renderRedisConf(spec, host, "preflight-placeholder")
        .split("\n")
        .map((line) => line.trim().split(/\s+/)[0] ?? "")
        .filter((name) => name !== "" && !name.startsWith("#") && !(REDIS_FILE_ONLY_DIRECTIVES as readonly string[]).includes(name));
    return [...new Set(names)].sort();
}

/**
 * Inputs of the install step on `host`: every remote program the other steps, removals and checks
 * run there; on the gate host (given the password), also the `accept` phase of a password rotation.
 */
export function installVars(spec: ClusterSpec, host: HostSpec, password?: string): InstallInputs {
    const accept = password !== undefined && host.name === deploymentPlan(spec).gateHost.name ? authVars(spec, password, "accept") : {};
    return { ...accept, ...commonVars(spec, host), RH_OWNER_FILE: programsOwnerFile(spec), RH_PROGRAMS: installedProgramsVar() };
}

/** Inputs of the removal of the installed programs from `host` (after every step that ran them). */
export function programsRemovalVars(spec: ClusterSpec, host: HostSpec): ProgramsRemovalInputs {
    return { ...commonVars(spec, host), RH_OWNER_FILE: programsOwnerFile(spec) };
}

const programsOwnerFile = (spec: ClusterSpec) => `${spec.paths.programsDir}/owner`;

/** Inputs of the frontend step on `host`: HAProxy's file (it holds the password) and keepalived's, and both units. */
export function frontendStepVars(spec: ClusterSpec, host: HostSpec, password: string): FrontendStepInputs {
    const { paths } = spec;
    const frontend = frontendOf(spec);
    return {
        ...commonVars(spec, host),
        RH_FRONTEND_DIR: paths.frontendDir,
        RH_HAPROXY_BIN: FRONTEND_BINARIES.haproxy,
        RH_KEEPALIVED_BIN: FRONTEND_BINARIES.keepalived,
        RH_HAPROXY_CONF_PATH: paths.haproxyConf,
        RH_HAPROXY_CONF: encodeFile(renderHaproxyConf(spec, host, password)),
        RH_KEEPALIVED_CONF_PATH: paths.keepalivedConf,
        RH_KEEPALIVED_CONF: encodeFile(renderKeepalivedConf(spec, host)),
        RH_HAPROXY_UNIT: paths.haproxyUnitName,
        RH_HAPROXY_UNIT_PATH: paths.haproxyUnitFile,
        RH_HAPROXY_UNIT_FILE: encodeFile(renderHaproxyUnit(spec)),
        RH_KEEPALIVED_UNIT: paths.keepalivedUnitName,
        RH_KEEPALIVED_UNIT_PATH: paths.keepalivedUnitFile,
        RH_KEEPALIVED_UNIT_FILE: encodeFile(renderKeepalivedUnit(spec)),
        RH_INTERFACE_PLACEHOLDER: INTERFACE_PLACEHOLDER,
        RH_VIP: frontend.vip,
        RH_FRONTEND_PORT: frontend.port,
    };
}

/** Inputs of the exporter step of the data node (`server`) or the sentinel on `host`. */
export function exporterStepVars(spec: ClusterSpec, host: HostSpec, kind: "server" | "sentinel", password: string): ExporterStepInputs {
    const { paths } = spec;
    const metrics = metricsOf(spec);
    return {
        ...commonVars(spec, host),
        RH_EXPORTER_DIR: paths.exporterDir,
        RH_EXPORTER_BIN: EXPORTER_BINARY,
        RH_EXPORTER_UNIT: paths.exporterUnitName[kind],
        RH_EXPORTER_UNIT_PATH: paths.exporterUnitFile[kind],
        RH_EXPORTER_UNIT_FILE: encodeFile(renderExporterUnit(spec, metrics, host, kind)),
        RH_EXPORTER_PASSWORD_PATH: paths.exporterPasswordFile[kind],
        RH_EXPORTER_PASSWORD: encodeFile(renderExporterPasswordFile(spec, metrics, host, kind, password)),
        RH_EXPORTER_LISTEN: exporterEndpoint(spec, metrics, host, kind).listen,
    };
}

/** Inputs of the removal of a frontend (both daemons) from `host`. */
export function frontendRemovalVars(spec: ClusterSpec, host: HostSpec): UnitRemovalInputs {
    const { paths } = spec;
    return {
        ...commonVars(spec, host),
        // keepalived first: the VIP moves to the other frontend before this HAProxy stops.
        RH_UNITS: [paths.keepalivedUnitName, paths.haproxyUnitName].join(" "),
        RH_UNIT_PATHS: [paths.keepalivedUnitFile, paths.haproxyUnitFile].join(" "),
        RH_OWNER_FILE: `${paths.frontendDir}/owner`,
        RH_FILES: [paths.haproxyConf, paths.keepalivedConf, `${paths.frontendDir}/owner`].join(" "),
        RH_DIRS: [paths.frontendDir, PATHS.configRoot].join(" "),
    };
}

/** Inputs of the removal of one exporter from `host`. */
export function exporterRemovalVars(spec: ClusterSpec, host: HostSpec, kind: "server" | "sentinel"): UnitRemovalInputs {
    const { paths } = spec;
    const owner = `${paths.exporterDir}/owner.${kind}`;
    return {
        ...commonVars(spec, host),
        RH_UNITS: paths.exporterUnitName[kind],
        RH_UNIT_PATHS: paths.exporterUnitFile[kind],
        RH_OWNER_FILE: owner,
        RH_FILES: [paths.exporterPasswordFile[kind], owner].join(" "),
        RH_DIRS: [paths.exporterDir, PATHS.configRoot].join(" "),
    };
}

/** The host warnings a preflight printed (`[redis-ha <host>] host warning: ...`), without the prefix. */
export function hostWarnings(preflightOutput: string): string[] {
    return [...preflightOutput.matchAll(/^\[redis-ha [^\]]+\] host warning: (.+)$/gm)].map((m) => m[1] ?? "");
}

/** Inputs of the sentinel step on `host`. */
export function sentinelStepVars(spec: ClusterSpec, host: HostSpec, password: string): SentinelStepInputs {
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
        RH_AUTH_USERS: "default",
        ...serviceAccountVars(spec, host, "sentinel"),
    };
}

/**
 * Inputs of a phase of the password rotation (remote/auth.sh), run on the gate host for the whole
 * cluster: `accept` by its install step, before any node's step; `retire` by the health gate, after
 * the last one. The passwords appear only as the SHA-256 hashes Redis keeps (the new admin password
 * reaches the host as REDISCLI_AUTH), so both steps run again when a password changes.
 */
export function authVars(spec: ClusterSpec, password: string, phase: "accept" | "retire"): AuthInputs {
    const gateHost = deploymentPlan(spec).gateHost;
    const words = (logins: AclCredential[]) => logins.map((l) => `${l.user}:${passwordSha256(l.password)}`).join(" ");
    return {
        ...commonVars(spec, gateHost),
        ...tlsFilePaths(spec, gateHost, gateService(spec)),
        RH_AUTH_PHASE: phase,
        RH_ACL: spec.acl ? "yes" : "no",
        RH_DATA_ADDRESSES: dataAddresses(spec),
        RH_DATA_AUTH: words(dataNodeLogins(spec.acl, password, spec.clusterName)),
        RH_SENTINEL_AUTH: words([{ user: "default", password }]),
        RH_MASTERAUTH_SHA256: passwordSha256(replicationPassword(spec.acl, password, spec.clusterName)),
        RH_REDIS_CONF_PATH: spec.paths.redisConf,
        RH_SENTINEL_CONF_PATH: spec.paths.sentinelConf,
        ...(spec.acl ? { RH_ACL_RULES: aclUserRules(spec.acl).map((u) => `${u.user}:${u.rules}`).join(";") } : {}),
    };
}

/** Which service's TLS files the programs that run on the gate host use: its sentinel's, or its data node's. */
function gateService(spec: ClusterSpec): TlsService {
    const gateHost = deploymentPlan(spec).gateHost;
    return spec.sentinels.some((s) => s.name === gateHost.name) ? "sentinel" : "server";
}

/**
 * Inputs of the final health gate, which first drops the passwords a rotation retired (`retire`).
 * `revision` changes whenever any node step ran, so the gate re-runs then and only then.
 */
export function healthGateVars(spec: ClusterSpec, revision: string, password: string): HealthGateInputs {
    const gateHost = deploymentPlan(spec).gateHost;
    return {
        ...authVars(spec, password, "retire"),
        // The gate's redis-cli uses the TLS files of a service on its host.
        ...tlsVars(spec, gateHost, gateService(spec)),
        ...healthExpectations(spec),
        RH_REVISION: revision,
    };
}

/** What `wait_healthy` expects of the whole cluster (the gate, and the end of a switchover). */
function healthExpectations(spec: ClusterSpec): HealthExpectations {
    return { RH_DATA_ADDRESSES: dataAddresses(spec), RH_EXPECT_REPLICAS: spec.replicas.length, RH_EXPECT_OTHER_SENTINELS: spec.sentinels.length - 1 };
}

/** Inputs of `redis-ha status` on `host`: which of our services it runs, and how to reach them. */
export function statusVars(spec: ClusterSpec, host: HostSpec): StatusInputs {
    const plan = deploymentPlan(spec);
    const hasRedis = hasRole(plan.dataNodes, host);
    const exporters = plan.exporters.filter((e) => e.host.name === host.name).map((e) => spec.paths.exporterUnitName[e.kind]);
    const hasSentinel = hasRole(spec.sentinels, host);
    return {
        ...commonVars(spec, host),
        ...tlsFilePaths(spec, host, hasSentinel ? "sentinel" : "server"),
        RH_HAS_REDIS: hasRedis ? "yes" : "no",
        RH_HAS_SENTINEL: hasSentinel ? "yes" : "no",
        RH_REDIS_UNIT: spec.paths.redisUnitName,
        RH_SENTINEL_UNIT: spec.paths.sentinelUnitName,
        ...(spec.frontend && hasRole(plan.frontends, host)
            ? { RH_HAPROXY_UNIT: spec.paths.haproxyUnitName, RH_KEEPALIVED_UNIT: spec.paths.keepalivedUnitName, RH_VIP: spec.frontend.vip, RH_FRONTEND_PORT: spec.frontend.port }
            : {}),
        ...(exporters.length ? { RH_EXPORTER_UNITS: exporters.join(" ") } : {}),
    };
}

/**
 * Inputs of `redis-ha switchover`, run on the current master `host`: the target's announce address
 * (empty: the replica Sentinel picks), and what the final health check expects.
 */
export function switchoverVars(spec: ClusterSpec, host: HostSpec, target: HostSpec | undefined): SwitchoverInputs {
    return {
        ...commonVars(spec, host),
        ...tlsFilePaths(spec, host, "server"),
        ...healthExpectations(spec),
        RH_TARGET_ADDRESS: target?.announceAddress ?? "",
        RH_MAX_LAG: SWITCHOVER_MAX_LAG_SECONDS,
    };
}

/** Inputs of the removal of a data node or sentinel from `host`. */
export function removalVars(spec: ClusterSpec, host: HostSpec, kind: "server" | "sentinel"): RemovalInputs {
    const { paths } = spec;
    const isServer = kind === "server";
    const owner = ownerFile(spec, kind);
    const files = [
        ...serviceFiles(spec, kind),
        `${isServer ? paths.redisConf : paths.sentinelConf}.managed`,
        ...(isServer ? [`${paths.dataDir}/temp-*`, paths.redisTlsDir, owner, paths.sysctlFile, paths.thpUnitFile] : [paths.sentinelTlsDir, owner]),
    ];
    return {
        ...serviceVars(spec, host, kind),
        ...(isServer ? { RH_TUNING_UNIT: paths.thpUnitName } : {}),
        RH_OWNER_FILE: owner,
        RH_FILES: files.join(" "),
        RH_DIRS: [paths.configDir, paths.dataDir, paths.logDir, PATHS.configRoot, PATHS.dataRoot, PATHS.logRoot].join(" "),
    };
}

/** Where the host records which step owns a service (see `ownerToken`). */
function ownerFile(spec: ClusterSpec, kind: "server" | "sentinel"): string {
    return `${spec.paths.configDir}/owner.${kind}`;
}

/** Inputs of the drift check of a data node or sentinel on `host` (no secret: the unit is compared by hash). */
export function checkVars(spec: ClusterSpec, host: HostSpec, kind: "server" | "sentinel"): CheckInputs {
    return {
        ...serviceVars(spec, host, kind),
        RH_UNIT_SHA256: crypto.createHash("sha256").update(renderUnit(spec, kind)).digest("hex"),
        // The server's live comparison: what it skips, and where this host's sentinel keeps the admin password.
        RH_RESTART_DIRECTIVES: RESTART_DIRECTIVES.join(" "),
        RH_PASSWORD_DIRECTIVES: PASSWORD_DIRECTIVES.join(" "),
        RH_SENTINEL_OWNED: SENTINEL_OWNED_DIRECTIVES.join(" "),
        RH_SENTINEL_CONF_PATH: spec.paths.sentinelConf,
    };
}

/** What the standalone programs (removal, drift check) need to know about one service. */
function serviceVars(spec: ClusterSpec, host: HostSpec, kind: "server" | "sentinel"): ServiceInputs {
    const { paths } = spec;
    const isServer = kind === "server";
    return {
        ...commonVars(spec, host),
        ...tlsFilePaths(spec, host, kind),
        RH_KIND: kind,
        RH_UNIT: isServer ? paths.redisUnitName : paths.sentinelUnitName,
        RH_UNIT_PATH: isServer ? paths.redisUnitFile : paths.sentinelUnitFile,
        RH_CONF_PATH: isServer ? paths.redisConf : paths.sentinelConf,
    };
}
