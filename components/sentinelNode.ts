import * as pulumi from "@pulumi/pulumi";
import { checkVars, reviewText, removalVars, sentinelStepVars, tlsKeyVars } from "./plan/steps";
import { HostNodeArgs, hostStep } from "./hostStep";

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
        const { spec, host } = args;
        this.revision = hostStep(
            `${name}-apply`,
            {
                ...args,
                step: "apply-sentinel",
                vars: (password) => sentinelStepVars(spec, host, password),
                secretVars: pulumi.output(args.tlsPrivateKey).apply(tlsKeyVars),
                removal: removalVars(spec, host, "sentinel"),
                check: checkVars(spec, host, "sentinel"),
                review: reviewText(spec, host, "sentinel"),
            },
            { parent: this },
        ).ran;
        this.registerOutputs({ revision: this.revision });
    }
}
