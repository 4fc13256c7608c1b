import * as pulumi from "@pulumi/pulumi";
import { removalVars, sentinelStepVars, tlsKeyVars } from "./plan/steps";
import { HostNodeArgs, hostStep } from "./hostStep";

export interface SentinelNodeArgs extends HostNodeArgs {
    /** Position in the start order: sentinels start one at a time. */
    index: number;
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
        const { spec, host, index } = args;
        this.revision = hostStep(
            `${name}-apply`,
            {
                ...args,
                step: "apply-sentinel",
                vars: (password) => sentinelStepVars(spec, host, index, password),
                secretVars: pulumi.output(args.tlsPrivateKey).apply(tlsKeyVars),
                removal: removalVars(spec, host, "sentinel"),
            },
            { parent: this },
        ).revision;
        this.registerOutputs({ revision: this.revision });
    }
}
