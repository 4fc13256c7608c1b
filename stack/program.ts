/**
 * The stack program: stack config in, one RedisHaCluster out. Used by `index.ts` (the CLI) and by
 * the Automation API scripts and tests (as an inline program), so both run the same code.
 */
import * as pulumi from "@pulumi/pulumi";
import { RedisHaCluster } from "../components/redisHaCluster";
import { clusterArgsFromConfig } from "./config";

/** `resourceName`: the component's Pulumi name (default the cluster name); a new one gives every step a new URN. */
export function redisHaStack(resourceName?: string) {
    const args = clusterArgsFromConfig(new pulumi.Config("redis-ha"));
    const cluster = new RedisHaCluster(resourceName ?? args.clusterName, args);
    return {
        masterName: cluster.masterName,
        sentinelEndpoints: cluster.sentinelEndpoints,
        nodes: cluster.nodes,
        connection: cluster.connection,
        scrapeTargets: cluster.scrapeTargets,
    };
}
