/**
 * `redis-ha switchover [--to <host>]`: moves mastership with the hand-over rolling restarts use
 * (remote/lib.sh `hand_over_mastership`: writes paused, replicas acknowledge every write, Sentinel
 * fails over, the old master follows before writes resume), so no confirmed write is lost. A bare
 * `SENTINEL FAILOVER` is not coordinated: the old master keeps taking writes until Sentinel demotes
 * it, and those are resynced away.
 */
import { HostSpec } from "../components/config/spec";
import { deploymentPlan, switchoverVars } from "../components/plan/steps";
import { ClusterStatus, clusterStatus } from "./status";
import { OperatedCluster, runProgram } from "./stackCluster";

/** A switchover that was refused before anything changed; the message says why. */
export class SwitchoverRefused extends Error {}

export interface SwitchoverResult {
    from: string;
    to: string;
    /** What the program on the old master logged (the hand-over's steps). */
    log: string[];
    /** The cluster afterwards, as status sees it. */
    after: ClusterStatus;
}

/**
 * Refusals that need only the status: an unknown or ineligible target, a cluster that is not
 * healthy. The program on the master checks the rest again at the moment it acts (quorum, failover
 * in progress, the target's link, lag and priority).
 */
export function switchoverRefusal(status: ClusterStatus, dataNodes: HostSpec[], to: string | undefined): string | undefined {
    if (to !== undefined && !dataNodes.some((h) => h.name === to)) {
        return `${JSON.stringify(to)} is not a data node of cluster ${status.cluster}; use one of ${dataNodes.map((h) => h.name).join(", ")}`;
    }
    if (!status.master) return `no master that every sentinel agrees on: ${status.problems.join("; ")}`;
    if (to === status.master) return undefined;
    if (!status.healthy) return `the cluster is not healthy; fix this first: ${status.problems.join("; ")}`;
    return undefined;
}

export async function switchover(cluster: OperatedCluster, to: string | undefined): Promise<SwitchoverResult | { from: string; to: string; unchanged: true }> {
    const plan = deploymentPlan(cluster.spec);
    const before = await clusterStatus(cluster);
    // In the stack's host order, for messages.
    const dataNodes = cluster.spec.hosts.filter((h) => plan.dataNodes.some((d) => d.name === h.name));
    const refusal = switchoverRefusal(before, dataNodes, to);
    if (refusal) throw new SwitchoverRefused(`switchover refused: ${refusal}`);
    const from = before.master ?? "";
    if (to === from) return { from, to, unchanged: true };
    const master = plan.dataNodes.find((h) => h.name === from);
    if (!master) throw new SwitchoverRefused(`switchover refused: the master ${from} is not a data node of the stack`);
    const target = to === undefined ? undefined : plan.dataNodes.find((h) => h.name === to);
    let out;
    try {
        out = await runProgram(cluster, master, "switchover", switchoverVars(cluster.spec, master, target));
    } catch (err) {
        const message = (err as Error).message;
        const refused = /switchover refused: (.*)/.exec(message);
        if (refused) throw new SwitchoverRefused(`switchover refused: ${refused[1] ?? ""}`);
        throw err;
    }
    const after = await clusterStatus(cluster);
    const now = after.master ?? "unknown";
    if (now === from || (to !== undefined && now !== to)) {
        throw new Error(`switchover did not move mastership as asked: the master is now ${now}${to ? `, not ${to}` : ""}; run status`);
    }
    return { from, to: now, log: (out.stdout + out.stderr).split("\n").filter((l) => l.trim() !== ""), after };
}
