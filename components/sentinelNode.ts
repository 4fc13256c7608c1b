import * as pulumi from "@pulumi/pulumi";
import { sentinelStep } from "./plan/clusterSteps";
import { HostNodeArgs, plannedHostStep } from "./hostStep";

/** Arguments of a SentinelNode: the cluster, the host, the secrets and the executor. */
export type SentinelNodeArgs = HostNodeArgs;

/**
 * The Sentinel of one host. It is stopped before its file changes, keeps what Sentinel owns, and is
 * waited on until it sees the master, the replicas and every other running sentinel. Removing it
 * resets the remaining sentinels one at a time so that none keeps a stale entry.
 */
export class SentinelNode extends pulumi.ComponentResource {
    /** Changes whenever this sentinel's step runs (secret). */
    public readonly revision: pulumi.Output<string>;

    constructor(name: string, args: SentinelNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:SentinelNode", name, {}, opts);
        this.revision = plannedHostStep(`${name}-apply`, args.planned ?? sentinelStep(args.spec, args.host), args, { parent: this }).ran;
        this.registerOutputs({ revision: this.revision });
    }
}
