import * as pulumi from "@pulumi/pulumi";
import { ClusterSpec, HostSpec } from "./config/spec";
import { redisStepVars, removalVars } from "./plan/steps";
import { Executor, hostStep } from "./hostStep";

export interface RedisDataNodeArgs {
    /** The resolved cluster description. */
    spec: ClusterSpec;
    /** The host this data node runs on. */
    host: HostSpec;
    /** SSH private key (secret). */
    sshPrivateKey: pulumi.Input<string>;
    /** Which executor runs the commands (default `command`). */
    executor?: Executor;
    /** The Redis password (secret). */
    password: pulumi.Input<string>;
}

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
        const step = hostStep(
            `${name}-apply`,
            {
                host,
                sshPrivateKey: args.sshPrivateKey,
                password: args.password,
                executor: args.executor,
                step: "apply-redis",
                vars: (password) => redisStepVars(spec, host, password),
                removal: removalVars(spec, host, "server"),
            },
            { parent: this },
        );
        this.revision = step.revision;
        this.registerOutputs({ revision: this.revision });
    }
}
