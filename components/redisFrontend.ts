import * as pulumi from "@pulumi/pulumi";
import { frontendStep } from "./plan/clusterSteps";
import { HostNodeArgs, plannedHostStep } from "./hostStep";

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
        this.revision = plannedHostStep(`${name}-apply`, args.planned ?? frontendStep(args.spec, args.host), args, { parent: this }).ran;
        this.registerOutputs({ revision: this.revision });
    }
}
