import * as pulumi from "@pulumi/pulumi";
import { frontendRemovalVars, frontendReviewText, frontendStepVars } from "./plan/steps";
import { HostNodeArgs, hostStep } from "./hostStep";

/** Arguments of a RedisFrontend: the cluster (with `frontend`), the frontend host, the secrets and the executor. */
export type RedisFrontendArgs = Omit<HostNodeArgs, "tlsPrivateKey">;

/**
 * The frontend of one host (seed 001): HAProxy sending each client to the one data node that says
 * `role:master` and that a majority of the sentinels name, and keepalived holding the VIP on a host
 * whose HAProxy runs. Each file is checked by its daemon before it replaces the running one, a
 * daemon restarts only when its own files changed, and the step ends once this host's HAProxy and the
 * VIP both reach the master. Removing it stops keepalived first, so the VIP moves before HAProxy stops.
 */
export class RedisFrontend extends pulumi.ComponentResource {
    /** Changes whenever this frontend's step runs (secret). */
    public readonly revision: pulumi.Output<string>;

    constructor(name: string, args: RedisFrontendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:RedisFrontend", name, {}, opts);
        const { spec, host } = args;
        this.revision = hostStep(
            `${name}-apply`,
            { ...args, step: "apply-frontend", vars: (password) => frontendStepVars(spec, host, password), removal: frontendRemovalVars(spec, host), review: frontendReviewText(spec, host) },
            { parent: this },
        ).ran;
        this.registerOutputs({ revision: this.revision });
    }
}
