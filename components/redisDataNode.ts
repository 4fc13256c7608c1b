import * as pulumi from "@pulumi/pulumi";
import { redisStepVars, removalVars, tlsKeyVars } from "./plan/steps";
import { HostNodeArgs, hostStep } from "./hostStep";

/** Arguments of a RedisDataNode: the cluster, the host, the secrets and the executor. */
export type RedisDataNodeArgs = HostNodeArgs;

/**
 * The Redis data node of one host: its config, its hardened unit, the service started or restarted
 * only when one of them changed, and (for a replica) waited on until it is in sync.
 */
export class RedisDataNode extends pulumi.ComponentResource {
    /** Changes whenever what this node runs changes (secret: it is a hash of text that holds the password). */
    public readonly revision: pulumi.Output<string>;

    constructor(name: string, args: RedisDataNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:RedisDataNode", name, {}, opts);
        const { spec, host } = args;
        this.revision = hostStep(
            `${name}-apply`,
            {
                ...args,
                step: "apply-redis",
                vars: (password) => redisStepVars(spec, host, password),
                secretVars: pulumi.output(args.tlsPrivateKey).apply(tlsKeyVars),
                removal: removalVars(spec, host, "server"),
            },
            { parent: this },
        ).revision;
        this.registerOutputs({ revision: this.revision });
    }
}
