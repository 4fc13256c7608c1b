/**
 * Looks at a running cluster from outside, as its clients see it: every sentinel answers and agrees
 * on the master, CKQUORUM is OK, the master is a master with the expected replicas linked. Used by
 * the lab script before it says "up" (a deployment's own gate runs on a host; this is the user's view).
 */
import Redis from "ioredis";

export interface ClusterHealthTarget {
    masterName: string;
    sentinels: Array<{ host: string; port: number }>;
    password: string;
    /** Replicas the master must have linked. */
    expectReplicas: number;
}

/** A plain connection (no Sentinel logic, no retries): what answers now. */
function direct(host: string, port: number, password: string): Redis {
    const client = new Redis({ host, port, password, lazyConnect: true, connectTimeout: 2000, commandTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => undefined);
    return client;
}

/** What is wrong with the cluster now (empty: healthy). */
export async function clusterProblems(target: ClusterHealthTarget): Promise<string[]> {
    const problems: string[] = [];
    const masters = new Set<string>();
    for (const s of target.sentinels) {
        const client = direct(s.host, s.port, target.password);
        try {
            await client.connect();
            const addr = (await client.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", target.masterName)) as string[] | null;
            if (!addr) problems.push(`sentinel ${s.host}:${s.port} does not know ${target.masterName}`);
            else masters.add(`${addr[0]}:${addr[1]}`);
            const quorum = String(await client.call("SENTINEL", "CKQUORUM", target.masterName).catch((e: unknown) => (e instanceof Error ? e.message : String(e))));
            if (!quorum.startsWith("OK")) problems.push(`sentinel ${s.host}:${s.port}: CKQUORUM ${quorum}`);
        } catch (err) {
            problems.push(`sentinel ${s.host}:${s.port} does not answer (${(err as Error).message})`);
        } finally {
            client.disconnect();
        }
    }
    if (masters.size !== 1) {
        problems.push(masters.size === 0 ? "no sentinel names a master" : `sentinels disagree on the master: ${[...masters].join(", ")}`);
        return problems;
    }
    const [host = "", port = "0"] = ([...masters][0] ?? "").split(":");
    const master = direct(host, Number(port), target.password);
    try {
        await master.connect();
        const info = await master.info("replication");
        const role = /role:(\w+)/.exec(info)?.[1];
        const linked = (info.match(/^slave\d+:.*state=online/gm) ?? []).length;
        if (role !== "master") problems.push(`${host}:${port}, which the sentinels name master, says role:${role ?? "?"}`);
        if (linked < target.expectReplicas) problems.push(`master ${host}:${port} has ${linked} replica(s) online, expected ${target.expectReplicas}`);
    } catch (err) {
        problems.push(`master ${host}:${port} does not answer (${(err as Error).message})`);
    } finally {
        master.disconnect();
    }
    return problems;
}

/** What is still wrong after waiting up to `seconds` for the cluster to be healthy (empty: healthy). */
export async function healthProblems(target: ClusterHealthTarget, seconds = 30): Promise<string[]> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const problems = await clusterProblems(target);
        if (problems.length === 0 || Date.now() > deadline) return problems;
        await new Promise((r) => setTimeout(r, 1000));
    }
}
