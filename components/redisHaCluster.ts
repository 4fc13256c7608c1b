import * as pulumi from "@pulumi/pulumi";
import { ClusterTopologyArgs, resolveClusterSpec } from "./config/validate";
import { ClusterSpec } from "./config/spec";
import { deploymentPlan, healthGateVars, preflightVars, redisStepVars, sentinelStepVars } from "./plan/steps";
import { Executor, hostStep, stepRevision } from "./hostStep";
import { RedisDataNode } from "./redisDataNode";
import { SentinelNode } from "./sentinelNode";

/**
 * Arguments of a RedisHaCluster. The topology is plain data (it decides which resources exist and is
 * validated before any of them is created); the secrets are Inputs.
 */
export interface RedisHaClusterArgs extends ClusterTopologyArgs {
    /** Password for Redis (`requirepass`, `masterauth`) and Sentinel (`requirepass`, `auth-pass`). Pass a secret. */
    password: pulumi.Input<string>;
    /** SSH private key (PEM/OpenSSH text) that opens every host. Pass a secret. */
    sshPrivateKey: pulumi.Input<string>;
    /**
     * How commands reach the hosts (default `command`: @pulumi/command's remote.Command). `dynamic`
     * uses redis-ha's ssh2-based dynamic provider, for machines where the `command` plugin cannot be installed.
     */
    executor?: Executor;
}

/** Where a client finds the cluster. */
export interface SentinelEndpoint {
    host: string;
    port: number;
}

/** The roles a host was given by the stack (after a failover, Sentinel decides who is master). */
export interface NodeRoles {
    host: string;
    address: string;
    roles: Array<"master" | "replica" | "sentinel">;
}

/** Everything a client needs, except the password. */
export interface ClientConnectionInfo {
    /** Name to ask Sentinel for (`SENTINEL GET-MASTER-ADDR-BY-NAME`). */
    masterName: string;
    sentinels: SentinelEndpoint[];
    /** ioredis options (add `password` and `sentinelPassword`). */
    ioredis: { name: string; sentinels: SentinelEndpoint[] };
    /** A shell line that prints the current master; it reads the password from REDISCLI_AUTH. */
    redisCli: string;
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

    constructor(name: string, args: RedisHaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering anything: bad input must fail preview with no resource created.
        const spec = resolveClusterSpec(args, { password: args.password });
        super("redis-ha:index:RedisHaCluster", name, {}, opts);
        if (spec.unsafeTopology) {
            pulumi.log.warn(`${spec.sentinels.length} sentinel(s) (allowUnsafeTopology): losing one host leaves no majority of sentinels, so no automatic failover`, this);
        }

        const plan = deploymentPlan(spec);
        const secrets = { sshPrivateKey: args.sshPrivateKey, password: args.password, executor: args.executor };

        // Preflight on every host, re-run exactly when some node step will run: if one host is missing
        // a package, holds a port or cannot be reached, the update fails before any host changes.
        const upcoming = pulumi
            .all([
                ...plan.dataNodes.map((host) => stepRevision({ ...secrets, step: "apply-redis", vars: (password) => redisStepVars(spec, host, password) })),
                ...plan.sentinels.map((host) => stepRevision({ ...secrets, step: "apply-sentinel", vars: (password) => sentinelStepVars(spec, host, password) })),
            ])
            .apply((r) => r.join(","));
        const preflights = plan.hosts.map((host) =>
            hostStep(
                `${name}-${host.name}-preflight`,
                { host, ...secrets, step: "preflight", vars: (_password, revision) => preflightVars(spec, host, revision), dependsOnRevision: upcoming },
                { parent: this },
            ).resource,
        );

        // Data nodes one at a time (replicas first, the master last), each waited on; then sentinels, one at a time.
        const steps: pulumi.Resource[] = [];
        const revisions: pulumi.Output<string>[] = [];
        for (const host of plan.dataNodes) {
            const node = new RedisDataNode(`${name}-${host.name}-redis`, { spec, host, ...secrets }, { parent: this, dependsOn: steps.length ? steps.slice(-1) : preflights });
            steps.push(node);
            revisions.push(node.revision);
        }
        for (const host of plan.sentinels) {
            const node = new SentinelNode(`${name}-${host.name}-sentinel`, { spec, host, ...secrets }, { parent: this, dependsOn: steps.slice(-1) });
            steps.push(node);
            revisions.push(node.revision);
        }

        // The gate re-runs exactly when some step above changed, and fails the update if the cluster is not healthy.
        hostStep(
            `${name}-health-gate`,
            {
                host: plan.gateHost,
                ...secrets,
                step: "health-gate",
                vars: (_password, revision) => healthGateVars(spec, revision),
                dependsOnRevision: pulumi.all(revisions).apply((r) => r.join(",")),
            },
            { parent: this, dependsOn: steps },
        );

        this.masterName = pulumi.output(spec.masterName);
        this.sentinelEndpoints = pulumi.output(sentinelEndpoints(spec));
        this.nodes = pulumi.output(nodeRoles(spec));
        this.connection = pulumi.output(clientConnectionInfo(spec));
        this.registerOutputs({
            masterName: this.masterName,
            sentinelEndpoints: this.sentinelEndpoints,
            nodes: this.nodes,
            connection: this.connection,
        });
    }
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
        return { host: h.name, address: h.announceAddress, roles };
    });
}

export function clientConnectionInfo(spec: ClusterSpec): ClientConnectionInfo {
    const sentinels = sentinelEndpoints(spec);
    const first = sentinels[0];
    return {
        masterName: spec.masterName,
        sentinels,
        ioredis: { name: spec.masterName, sentinels },
        redisCli: first ? `redis-cli --no-auth-warning -h ${first.host} -p ${first.port} SENTINEL GET-MASTER-ADDR-BY-NAME ${spec.masterName}` : "",
    };
}
