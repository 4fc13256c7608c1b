import * as pulumi from "@pulumi/pulumi";
import { dataNodeStep } from "./plan/clusterSteps";
import { HostNodeArgs, plannedHostStep } from "./hostStep";

/** Arguments of a RedisDataNode: the cluster, the host, the secrets and the executor. */
export type RedisDataNodeArgs = HostNodeArgs;

/**
 * The Redis data node of one host: its config, its hardened unit, changes applied live when Redis can
 * take them and by a restart otherwise (the master hands mastership over first), and (for a replica)
 * waited on until it is in sync.
 */
export class RedisDataNode extends pulumi.ComponentResource {
    /** Changes whenever this node's step runs (secret: it includes a hash of text that holds the password). */
    public readonly revision: pulumi.Output<string>;

    constructor(name: string, args: RedisDataNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:RedisDataNode", name, {}, opts);
        this.revision = plannedHostStep(`${name}-apply`, args.planned ?? dataNodeStep(args.spec, args.host), args, { parent: this }).ran;
        this.registerOutputs({ revision: this.revision });
    }
}
