import * as pulumi from "@pulumi/pulumi";
import { ClusterTopologyArgs, RedisHaConfigError, resolveClusterSpec } from "./config/validate";
import { ClusterSpec, HostSpec } from "./config/spec";
import { deploymentPlan, hostWarnings } from "./plan/steps";
import { PlannedStep, clusterSteps } from "./plan/clusterSteps";
import { Executor, HostNodeArgs, plannedHostStep, plannedStepArgs, repairKeysOf, stepRevision } from "./hostStep";
import { HostKey } from "./config/hostKeys";
import { trustedHostKeys } from "./ssh";
import { RedisDataNode } from "./redisDataNode";
import { SentinelNode } from "./sentinelNode";
import { RedisFrontend } from "./redisFrontend";
import { RedisExporter } from "./redisExporter";
import { exporterEndpoint } from "./render/frontend";

/**
 * Arguments of a RedisHaCluster. The topology is plain data (it decides which resources exist and is
 * validated before any of them is created); the secrets are Inputs.
 */
export interface RedisHaClusterArgs extends ClusterTopologyArgs {
    /** Password for Redis (`requirepass`, `masterauth`) and Sentinel (`requirepass`, `auth-pass`). Pass a secret. */
    password: pulumi.Input<string>;
    /**
     * SSH private key (PEM/OpenSSH text) that opens every host. Pass a secret. Needed by `pulumi up`;
     * a preview without it (a PR pipeline with no key) plans every change, keeping each connection as
     * it is in the state, and warns.
     */
    sshPrivateKey?: pulumi.Input<string>;
    /** With `tls`: the private key (PEM) of each host's certificate, by host name. Pass a secret; it reaches each host only on the step's stdin. */
    tlsPrivateKeys?: pulumi.Input<Record<string, string>>;
    /**
     * How commands reach the hosts (default `command`: @pulumi/command's remote.Command). `dynamic`
     * uses redis-ha's ssh2-based dynamic provider, for machines where the `command` plugin cannot be installed.
     */
    executor?: Executor;
}

/** Where a client finds the cluster. */
export interface SentinelEndpoint {
    /** Sentinel's address. */
    host: string;
    /** Sentinel's port. */
    port: number;
}

/** A role the stack gives a host. */
export const NodeRole = { master: "master", replica: "replica", sentinel: "sentinel", frontend: "frontend" } as const;
export type NodeRole = (typeof NodeRole)[keyof typeof NodeRole];

/** The roles a host was given by the stack (after a failover, Sentinel decides who is master). */
export interface NodeRoles {
    /** Host name, as in `hosts`. */
    host: string;
    /** Address clients and peers reach it at (its announce address). */
    address: string;
    /** What runs there. */
    roles: NodeRole[];
}

/** The ioredis constructor options that find the master through Sentinel. */
export interface IoredisSentinelOptions {
    /** Master name. */
    name: string;
    /** Sentinels to ask. */
    sentinels: SentinelEndpoint[];
    /** Set (true) when the cluster speaks TLS only. */
    enableTLSForSentinelMode?: boolean;
}

/** Everything a client needs, except the password. */
export interface ClientConnectionInfo {
    /** Name to ask Sentinel for (`SENTINEL GET-MASTER-ADDR-BY-NAME`). */
    masterName: string;
    /** Every sentinel's address and port. */
    sentinels: SentinelEndpoint[];
    /** ioredis options (add `password` and `sentinelPassword`; with TLS, also `tls` and `sentinelTLS` with your CA and client certificate). */
    ioredis: IoredisSentinelOptions;
    /** Whether every port speaks TLS only (`tls` set). */
    tls: boolean;
    /** A shell line that prints the current master; it reads the password from REDISCLI_AUTH. */
    redisCli: string;
    /** With `frontend`: the VIP and port where any Redis client (no Sentinel support needed) reaches the master. */
    frontend?: SentinelEndpoint;
}

/** What an exporter reports on: a data node (`server`) or a sentinel. */
export const ExporterKind = { server: "server", sentinel: "sentinel" } as const;
export type ExporterKind = (typeof ExporterKind)[keyof typeof ExporterKind];

/** One exporter's address, for a Prometheus `static_configs` target. */
export interface ScrapeTarget {
    /** address:port the exporter listens on. */
    target: string;
    /** Host name, as in `hosts`. */
    host: string;
    /** What it reports on: the data node (`server`) or the sentinel. */
    kind: ExporterKind;
}

/**
 * A highly available Redis: one master, replicas and Sentinels on existing Linux hosts over SSH,
 * beside (never touching) a Redis already running on those hosts.
 */
export class RedisHaCluster extends pulumi.ComponentResource {
    /** The Sentinel master name (the cluster name). */
    public readonly masterName: pulumi.Output<string>;
    /** Every sentinel's address and port. */
    public readonly sentinelEndpoints: pulumi.Output<SentinelEndpoint[]>;
    /** The roles each host was given. */
    public readonly nodes: pulumi.Output<NodeRoles[]>;
    /** Ready-to-use client connection info (no secret in it). */
    public readonly connection: pulumi.Output<ClientConnectionInfo>;
    /** With `metrics`: every exporter's address (empty without). */
    public readonly scrapeTargets: pulumi.Output<ScrapeTarget[]>;

    constructor(name: string, args: RedisHaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering anything: bad input must fail preview with no resource created.
        const spec = resolveClusterSpec(args, { password: args.password });
        const tlsKey = tlsPrivateKeyOf(spec, args.tlsPrivateKeys);
        super("redis-ha:index:RedisHaCluster", name, {}, opts);
        if (spec.frontend && spec.redis.minReplicasToWrite === 0) {
            // HAProxy stops sending new connections to a cut-off old master at once, but connections it
            // already had stay open while that node still says master; only min-replicas-to-write makes it refuse their writes.
            void pulumi.log.warn("frontend without redis.minReplicasToWrite: a master cut off from the rest keeps taking writes on connections it already had through the VIP until the partition heals; set redis.minReplicasToWrite to 1 (README \"Durability\")", this);
        }
        if (spec.unsafeTopology) {
            void pulumi.log.warn(`${spec.sentinels.length} sentinel(s) (allowUnsafeTopology): losing one host leaves no majority of sentinels, so no automatic failover`, this);
        }

        if (args.sshPrivateKey === undefined) {
            const problem = { field: "sshPrivateKey", problem: "no SSH private key is given", fix: "set `redis-ha:ssh.privateKeyPath` (or the secret `redis-ha:sshPrivateKey`) on the machine that runs `pulumi up`" };
            if (!pulumi.runtime.isDryRun()) throw new RedisHaConfigError([problem]);
            void pulumi.log.warn(`${problem.field}: ${problem.problem}; previewing without it (no host is contacted), \`pulumi up\` needs it. Fix: ${problem.fix}`, this);
        }
        const hostKeys = resolveHostKeys(spec, this);
        const executor = args.executor ?? "command";
        const secrets = { sshPrivateKey: args.sshPrivateKey, password: args.password, executor };
        const keysOf = (host: HostSpec) => (spec.ssh.verifyHostKeys ? (hostKeys.get(host.name) ?? []) : undefined);

        // The plan (components/plan/clusterSteps.ts), each step mapped to its resource: the steps of a
        // node into that node's component, the others (preflight, programs, rotation, gate) here.
        const planned = clusterSteps(spec);
        const created = new Map<string, pulumi.Resource>();
        const ranOf = new Map<string, pulumi.Output<string>>();
        const programsOf = new Map<string, pulumi.Resource>();
        // Each node step's drift repair marker, and its programs step's, from the preflight of its host.
        const repairsOf = new Map<string, pulumi.Output<string>>();
        const resolve = (ids: string[]) =>
            ids.map((id) => {
                const found = created.get(id);
                if (!found) throw new Error(`internal: step ${id} is planned after something not created yet`);
                return found;
            });
        const contextOf = (host: HostSpec, step?: string) => ({
            spec,
            ...secrets,
            hostKeys: keysOf(host),
            programs: programsOf.get(host.name),
            tlsPrivateKey: tlsKey(host.name),
            repairs: step === undefined ? undefined : repairsOf.get(step),
        });
        const byId = new Map(planned.map((p) => [p.id, p]));
        for (const step of planned) {
            const context = contextOf(step.host, step.id);
            const opts = { parent: this, dependsOn: resolve(step.after) };
            if (step.group) {
                const node = nodeComponent(`${name}-${step.group.id}`, step, { ...context, host: step.host, planned: step }, opts);
                created.set(step.group.id, node);
                ranOf.set(step.group.id, node.revision);
                continue;
            }
            const rerun = step.rerunWith;
            let revision: pulumi.Output<string> | undefined;
            if (rerun && "revisionsOf" in rerun) {
                // The programs of these steps changing (or the executor: every step is created anew then).
                const revisions = rerun.revisionsOf.map((id) => {
                    const of = byId.get(id);
                    if (!of) throw new Error(`internal: no planned step ${id}`);
                    return stepRevision(plannedStepArgs(of, contextOf(of.host)));
                });
                revision = pulumi.all(revisions).apply((r) => [...(rerun.executor ? [executor] : []), ...r].join(","));
            } else if (rerun) {
                revision = pulumi.all(rerun.ranOf.map((id) => ranOf.get(id) ?? pulumi.output(""))).apply((r) => r.join(","));
            }
            const result = plannedHostStep(`${name}-${step.id}`, step, context, opts, revision);
            created.set(step.id, result.resource);
            if (step.program === "install") programsOf.set(step.host.name, result.resource);
            for (const checked of repairKeysOf(step)) repairsOf.set(checked, result.repairsOf(checked));
            if (step.program === "preflight") {
                const host = step.host;
                // Redis's own warnings about the host's kernel settings, from the preflight's last run.
                result.stdout.apply((out) => {
                    for (const w of hostWarnings(out)) void pulumi.log.warn(`${host.name}: ${w}`, this);
                });
            }
        }

        this.masterName = pulumi.output(spec.masterName);
        this.sentinelEndpoints = pulumi.output(sentinelEndpoints(spec));
        this.nodes = pulumi.output(nodeRoles(spec));
        this.connection = pulumi.output(clientConnectionInfo(spec));
        this.scrapeTargets = pulumi.output(scrapeTargets(spec));
        this.registerOutputs({
            masterName: this.masterName,
            sentinelEndpoints: this.sentinelEndpoints,
            nodes: this.nodes,
            connection: this.connection,
            scrapeTargets: this.scrapeTargets,
        });
    }
}

/** The node component a planned step belongs to (its type token from the plan). */
function nodeComponent(name: string, step: PlannedStep, args: HostNodeArgs, opts: pulumi.ComponentResourceOptions): { revision: pulumi.Output<string> } & pulumi.Resource {
    switch (step.group?.type) {
        case "RedisDataNode":
            return new RedisDataNode(name, args, opts);
        case "SentinelNode":
            return new SentinelNode(name, args, opts);
        case "RedisFrontend":
            return new RedisFrontend(name, args, opts);
        case "RedisExporter":
            return new RedisExporter(name, { ...args, kind: step.group.exporterKind ?? "server" }, opts);
        default:
            throw new Error(`internal: step ${step.id} belongs to no node component`);
    }
}

/**
 * The host keys each host is trusted with. Without one for some host, `pulumi up` stops here, before
 * any resource is registered, naming the host and how to get its key; a preview (which never
 * connects) only warns, so it runs in PR pipelines that have no known_hosts.
 */
function resolveHostKeys(spec: ClusterSpec, component: pulumi.Resource): Map<string, HostKey[]> {
    if (!spec.ssh.verifyHostKeys) {
        void pulumi.log.warn("ssh.insecureIgnoreHostKeys is on: host keys are not checked, so whoever answers on a host's address gets root commands and the Redis password", component);
        return new Map();
    }
    const { keys, problems } = trustedHostKeys(spec);
    if (problems.length > 0) {
        if (!pulumi.runtime.isDryRun()) throw new RedisHaConfigError(problems);
        for (const p of problems) void pulumi.log.warn(`${p.field}: ${p.problem}; \`pulumi up\` will refuse to connect. Fix: ${p.fix}`, component);
    }
    return keys;
}

/**
 * Each host's TLS private key, picked from `keys` (a secret stays a secret). Keys given without `tls`,
 * or `tls` without keys, are refused before anything is registered; a host missing from the map fails
 * the preview, naming it.
 */
function tlsPrivateKeyOf(spec: ClusterSpec, keys: pulumi.Input<Record<string, string>> | undefined): (host: string) => pulumi.Output<string> | undefined {
    if (!spec.tls && keys !== undefined) {
        throw new RedisHaConfigError([{ field: "tlsPrivateKeys", problem: "is set but `tls` is not", fix: "set `tls` (CA and host certificates) too, or drop tlsPrivateKeys" }]);
    }
    if (spec.tls && keys === undefined) {
        throw new RedisHaConfigError([{ field: "tlsPrivateKeys", problem: "is missing while `tls` is set", fix: "give the private key of every host's certificate, by host name, as a secret" }]);
    }
    if (!spec.tls || keys === undefined) return () => undefined;
    return (host) =>
        pulumi.secret(
            pulumi.output(keys).apply((all: Record<string, string> | undefined) => {
                // A JavaScript caller may hand in anything: checked here, not trusted from the type.
                const key = all?.[host];
                if (typeof key !== "string" || !key.includes("PRIVATE KEY-----")) {
                    throw new RedisHaConfigError([{ field: `tlsPrivateKeys.${host}`, problem: "is missing or not a PEM private key", fix: `give the private key of ${host}'s certificate` }]);
                }
                return key;
            }),
        );
}

export function sentinelEndpoints(spec: ClusterSpec): SentinelEndpoint[] {
    return spec.sentinels.map((h) => ({ host: h.announceAddress, port: spec.sentinelPort }));
}

export function nodeRoles(spec: ClusterSpec): NodeRoles[] {
    return spec.hosts.map((h) => {
        const roles: NodeRoles["roles"] = [];
        if (h.name === spec.master.name) roles.push("master");
        if (spec.replicas.some((r) => r.name === h.name)) roles.push("replica");
        if (spec.sentinels.some((s) => s.name === h.name)) roles.push("sentinel");
        if (spec.frontend?.hosts.some((f) => f.name === h.name)) roles.push("frontend");
        return { host: h.name, address: h.announceAddress, roles };
    });
}

export function scrapeTargets(spec: ClusterSpec): ScrapeTarget[] {
    const metrics = spec.metrics;
    if (!metrics) return [];
    return deploymentPlan(spec).exporters.map(({ host, kind }) => ({ target: exporterEndpoint(spec, metrics, host, kind).listen, host: host.name, kind }));
}

export function clientConnectionInfo(spec: ClusterSpec): ClientConnectionInfo {
    const sentinels = sentinelEndpoints(spec);
    const first = sentinels[0];
    return {
        masterName: spec.masterName,
        sentinels,
        ioredis: spec.tls ? { name: spec.masterName, sentinels, enableTLSForSentinelMode: true } : { name: spec.masterName, sentinels },
        tls: spec.tls !== undefined,
        redisCli: first ? `redis-cli --no-auth-warning ${tlsCliFlags(spec)}-h ${first.host} -p ${first.port} SENTINEL GET-MASTER-ADDR-BY-NAME ${spec.masterName}` : "",
        ...(spec.frontend ? { frontend: { host: spec.frontend.vip, port: spec.frontend.port } } : {}),
    };
}

/** redis-cli's TLS flags for a client of this cluster (placeholders for the client's own files). */
function tlsCliFlags(spec: ClusterSpec): string {
    if (!spec.tls) return "";
    return spec.tls.authClients === "no" ? "--tls --cacert <ca.crt> " : "--tls --cacert <ca.crt> --cert <client.crt> --key <client.key> ";
}
