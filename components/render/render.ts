/**
 * Rendering: plain resolved data in, file text out. No Pulumi here, so it is unit tested directly.
 */
import * as path from "path";
import { packageRoot } from "../packageRoot";
import * as nunjucks from "nunjucks";
import { PATHS, SENTINEL_MAXCLIENTS, SERVERS } from "../config/defaults";
import { aclCredentials, aclPasswordHash, aclUserRules, dataNodeLogins } from "../config/acl";
import { TlsService, tlsFiles } from "../config/tls";
import { ClusterSpec, HostSpec, tcpBacklog } from "../config/spec";
import { DirectiveContext, REDIS_CONF_DIRECTIVES } from "../config/directiveTable";

/** Templates are resolved from the package, never from the caller's working directory. */
const TEMPLATE_DIR = path.join(packageRoot(), "templates");

const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATE_DIR), {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
});

function render(template: string, context: object): string {
    return env.render(template, context);
}

/** Renders one of templates/ (for the other renderers: the frontend's and the exporters'). */
export const renderTemplate = render;

/**
 * What every unit's hardening (templates/partials/hardening.njk) is given for a daemon that needs no
 * privilege at all: no capabilities, its own user namespace, no privileged system calls.
 */
export const UNPRIVILEGED_HARDENING = {
    capabilities: "",
    ambientCapabilities: "",
    privateUsers: true,
    addressFamilies: "AF_INET AF_INET6 AF_UNIX",
    deniedCalls: "@privileged @resources",
} as const;

/**
 * Quotes a value for redis.conf / sentinel.conf the way Redis's own parser reads double-quoted
 * strings (sdssplitargs), so any password survives intact.
 */
export function redisQuote(value: string): string {
    const escaped = value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
    return `"${escaped}"`;
}

/** redis.conf for the data node on `host`. `replicaof` points at the configured master: the apply step re-points it at Sentinel's current master. */
export function renderRedisConf(spec: ClusterSpec, host: HostSpec, password: string): string {
    return render("redis.conf.njk", {
        clusterName: spec.clusterName,
        hostName: host.name,
        directives: directiveLines({ spec, host, password, tls: tlsDirectives(spec, host, "server"), acl: redisAcl(spec, password) }),
        extraDirectives: spec.redis.extraDirectives,
    });
}

/** The lines the directive table gives for one host: each row that applies, a line per value, quoted where the row says. */
function directiveLines(c: DirectiveContext): Array<{ name: string; value: string | number; comment: string | false }> {
    return REDIS_CONF_DIRECTIVES.filter((row) => row.when?.(c) ?? true).flatMap((row) => {
        const raw = row.value(c);
        const values = Array.isArray(raw) ? raw : [raw];
        return values.map((v: string | number, i) => ({ name: row.directive, value: row.quoted ? redisQuote(String(v)) : v, comment: i === 0 && row.comment !== undefined ? row.comment : false }));
    });
}

/** sentinel.conf for the sentinel on `host`, as for a first start; the apply step keeps what Sentinel owns. */
export function renderSentinelConf(spec: ClusterSpec, host: HostSpec, password: string): string {
    return render("sentinel.conf.njk", {
        clusterName: spec.clusterName,
        hostName: host.name,
        port: spec.sentinelPort,
        tls: tlsDirectives(spec, host, "sentinel"),
        bind: host.bind.join(" "),
        pidfile: `/run/${spec.paths.sentinelRuntimeDir}/sentinel.pid`,
        logfile: spec.paths.sentinelLog,
        loglevel: spec.sentinel.loglevel,
        dataDir: spec.paths.dataDir,
        password: redisQuote(password),
        sentinelAuth: sentinelAuth(spec, password),
        announceAddress: host.announceAddress,
        masterName: spec.masterName,
        masterAddress: spec.master.announceAddress,
        masterPort: spec.redisPort,
        quorum: spec.quorum,
        downAfterMilliseconds: spec.sentinel.downAfterMilliseconds,
        failoverTimeout: spec.sentinel.failoverTimeout,
        parallelSyncs: spec.sentinel.parallelSyncs,
    });
}

/**
 * The ACL part of redis.conf, or false without ACLs: `user` lines holding only password hashes, and
 * the replication user's credentials for `masteruser`/`masterauth` (a replica must send them in
 * plaintext, so they are in the 0600 file). The admin user stays `default`, for clients and for
 * redis-ha's own checks.
 */
function redisAcl(spec: ClusterSpec, password: string): DirectiveContext["acl"] {
    if (!spec.acl) return false;
    const creds = aclCredentials(spec.acl, password, spec.clusterName);
    const passwords = new Map(dataNodeLogins(spec.acl, password, spec.clusterName).map((l) => [l.user, l.password]));
    return {
        users: aclUserRules(spec.acl).map((u) => {
            const userPassword = passwords.get(u.user);
            if (userPassword === undefined) throw new Error(`internal: ACL user ${u.user} has no password`);
            return `${u.user} on ${aclPasswordHash(userPassword)} ${u.rules}`;
        }),
        masterUser: creds.replication.user,
        masterAuth: creds.replication.password,
    };
}

/**
 * The TLS directives of a service, or false without TLS. With TLS the service listens only on
 * `tls-port` (`port 0`), and `tls-replication` makes replicas, and sentinels towards nodes and other
 * sentinels, connect with TLS too, presenting the host's certificate.
 */
function tlsDirectives(spec: ClusterSpec, host: HostSpec, service: TlsService) {
    const files = tlsFiles(spec, host, service);
    if (!spec.tls || !files) return false;
    return { certFile: files.certFile, keyFile: files.keyFile, caCertFile: files.caCertFile, authClients: spec.tls.authClients };
}

/** How a sentinel logs in to the data nodes: the Sentinel ACL user, or the cluster password. */
function sentinelAuth(spec: ClusterSpec, password: string): { user: string | false; password: string } {
    if (!spec.acl) return { user: false, password: redisQuote(password) };
    const { sentinel } = aclCredentials(spec.acl, password, spec.clusterName);
    return { user: sentinel.user, password: redisQuote(sentinel.password) };
}

export type ServiceKind = "server" | "sentinel";

/**
 * The unit's `IPAddressAllow=`: localhost and every cluster host (replication, Sentinel and redis-ha's
 * own checks talk between them), then `clients` (default the stack's `ipAllowList`; an exporter's
 * scrapers for the exporters). Everything else is dropped (`IPAddressDeny=any`).
 */
export function ipAddressAllow(spec: ClusterSpec, clients: readonly string[] = spec.ipAllowList): string[] {
    return [...new Set(["localhost", ...spec.hosts.map((h) => h.announceAddress), ...clients])];
}

/** The hardened systemd unit for our Redis (`server`) or Sentinel on every host. */
export function renderUnit(spec: ClusterSpec, kind: ServiceKind): string {
    const { paths } = spec;
    const isServer = kind === "server";
    const config = isServer ? paths.redisConf : paths.sentinelConf;
    const mode = isServer ? "" : " --sentinel";
    const server = SERVERS[spec.server];
    return render("redis-ha.service.njk", {
        clusterName: spec.clusterName,
        description: isServer
            ? `${server.label} HA data node (cluster ${spec.clusterName}, port ${spec.redisPort})`
            : `${server.label} HA Sentinel (cluster ${spec.clusterName}, port ${spec.sentinelPort})`,
        documentation: server.docs,
        execStart: `${server.serverBinary} ${config}${mode} --supervised systemd --daemonize no`,
        user: server.user,
        group: server.group,
        runtimeDirectory: isServer ? paths.redisRuntimeDir : paths.sentinelRuntimeDir,
        // Redis needs maxclients + 32 descriptors and cannot raise the limit itself without CAP_SYS_RESOURCE.
        // Sentinel keeps Redis's default maxclients: a data-node setting must not restart the sentinels.
        limitNofile: (isServer ? spec.redis.maxclients : SENTINEL_MAXCLIENTS) + 32,
        // The config directory must be writable: CONFIG REWRITE and Sentinel write a temp file beside the config and rename it.
        readWritePaths: [paths.configDir, paths.dataDir, paths.logDir],
        execPaths: `${server.serverBinary} /usr/lib /lib`,
        ipAddressAllow: ipAddressAllow(spec).join(" "),
        allowListReason: "localhost, the cluster's hosts, the stack's ipAllowList",
        ...UNPRIVILEGED_HARDENING,
    });
}

/** `hostTuning`'s sysctl.d drop-in; the step raises `net.core.somaxconn` to the host's value when that is higher. */
export function renderSysctlConf(spec: ClusterSpec): string {
    return render("redis-ha-sysctl.conf.njk", { clusterName: spec.clusterName, tcpBacklog: tcpBacklog(spec) });
}

/** `hostTuning`'s oneshot unit: transparent huge pages to `madvise` before our Redis starts, at every boot. */
export function renderThpUnit(spec: ClusterSpec): string {
    return render("redis-ha-thp.service.njk", { clusterName: spec.clusterName, thpFile: PATHS.thpEnabledFile, serverUnit: spec.paths.redisUnitName });
}
