import * as pulumi from "@pulumi/pulumi";
import { exporterStep } from "./plan/clusterSteps";
import { HostNodeArgs, plannedHostStep } from "./hostStep";
import { ServiceKind } from "./render/render";

/** Arguments of a RedisExporter: the cluster (with `metrics`), the host, which service it scrapes, the secrets and the executor. */
export interface RedisExporterArgs extends Omit<HostNodeArgs, "tlsPrivateKey"> {
    /** The service it scrapes: the host's data node (`server`) or its sentinel. */
    kind: ServiceKind;
}

/**
 * Debian's prometheus-redis-exporter for one data node or sentinel, in a hardened unit of its own
 * (dynamic user, no capabilities, scrapers limited to `metrics.allowList` by the kernel). The
 * password comes from a root-only file, copied at each start where only the exporter's user can read
 * it, keyed by the one address it scrapes: never in argv, the environment or a world-readable file.
 * The step ends once the exporter reports `redis_up 1`.
 */
export class RedisExporter extends pulumi.ComponentResource {
    /** Changes whenever this exporter's step runs (secret). */
    public readonly revision: pulumi.Output<string>;

    constructor(name: string, args: RedisExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("redis-ha:index:RedisExporter", name, {}, opts);
        this.revision = plannedHostStep(`${name}-apply`, args.planned ?? exporterStep(args.spec, args.host, args.kind), args, { parent: this }).ran;
        this.registerOutputs({ revision: this.revision });
    }
}
