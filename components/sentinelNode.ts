import * as pulumi from "@pulumi/pulumi";
import { ClusterSpec, HostSpec } from "./config/spec";
import { removalVars, sentinelStepVars } from "./plan/steps";
import { Executor, hostStep } from "./hostStep";

export interface SentinelNodeArgs {
    /** The resolved cluster description. */
    spec: ClusterSpec;
    /** The host this sentinel runs on. */
    host: HostSpec;
    /** Position in the start order: sentinels start one at a time. */
    index: number;
    /** SSH private key (secret). */
    sshPrivateKey: pulumi.Input<string>;
    /** Which executor runs the commands (default `command`). */
    executor?: Executor;
    /** The Redis password (secret), also Sentinel's own `requirepass`. */
    password: pulumi.Input<string>;
}

/**
 * The Sentinel of one host. It is stopped before its file changes, keeps what Sentinel owns, and is
 * waited on until it sees the master, the replicas and the sentinels started before it.
 */
export class SentinelNode extends pulumi.ComponentResource {
    /** Changes whenever what this sentinel runs changes (secret). */
    public readonly revision: pulumi.Output<string>;

    constructor(name: string, args: SentinelNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:SentinelNode", name, {}, opts);
        const { spec, host } = args;
        const step = hostStep(
            `${name}-apply`,
            {
                host,
                sshPrivateKey: args.sshPrivateKey,
                password: args.password,
                executor: args.executor,
                step: "apply-sentinel",
                vars: (password) => sentinelStepVars(spec, host, args.index, password),
                removal: removalVars(spec, host, "sentinel"),
            },
            { parent: this },
        );
        this.revision = step.revision;
        this.registerOutputs({ revision: this.revision });
    }
}
