/**
 * The visit counter (like the seeds' demo app): a Sentinel-aware client (ioredis) that keeps
 * incrementing a counter and records every acknowledged increment, so that a test or a benchmark
 * can prove none was lost across an update or a fault.
 *
 * INCR returns the new value. If acknowledged writes were lost (a master rolled back), the counter
 * climbs again over values already acknowledged: so "nothing lost" is exactly "every acknowledged
 * value is distinct, and the final counter is at least the highest of them".
 *
 * What "acknowledged" means is the durability policy. With `waitReplicas: 0` it is Redis's reply:
 * replication is asynchronous, so a master that dies or is cut off right after replying loses
 * the write (Jepsen 2013 measured 56% of acknowledged writes lost under a partition). With
 * `waitReplicas: n` an increment counts only once `WAIT n` confirms n replicas have it; Sentinel
 * promotes the replica with the most data, so a confirmed increment survives the loss of the master.
 */
import Redis from "ioredis";

export interface CounterReport {
    /** Increments acknowledged under the policy. */
    acknowledged: number;
    /** Increments not acknowledged (an error, or fewer replicas than `waitReplicas` confirmed them). */
    failed: number;
    /** Acknowledged values seen more than once: acknowledged writes that were lost and redone. */
    duplicates: number;
    /** Highest acknowledged value. */
    highest: number;
    /** The counter read back through Sentinel at the end. */
    final: number;
    /** Acknowledged writes lost: duplicates, plus acknowledged values above the final counter. */
    lost: number;
    /** Longest time without an acknowledged increment, in milliseconds (the outage a user saw). */
    longestGapMs: number;
}

export interface CounterWriter {
    /** Stops the loop, reads the counter back and reports. */
    stop(): Promise<CounterReport>;
    /** Acknowledged increments so far. */
    acknowledged(): number;
    /** When the last increment was acknowledged (ms since the epoch; 0 before the first). */
    lastAcknowledgedAt(): number;
}

export interface SentinelTarget {
    /** The Sentinel master name (the cluster name). */
    masterName: string;
    sentinels: Array<{ host: string; port: number }>;
    /** The Redis password, also Sentinel's. Comes from the environment in the CLI, never argv. */
    password: string;
}

export interface CounterWriterOptions extends SentinelTarget {
    key: string;
    /** Replicas that must confirm an increment (`WAIT`) before it counts as acknowledged (default 0). */
    waitReplicas?: number;
    /** How long WAIT may take, in milliseconds (default 1000). */
    waitTimeoutMs?: number;
    /** Upper bounds of the loop, whatever happens. */
    maxOps?: number;
    maxSeconds?: number;
}

/** A client as an application should configure it for Sentinel (see README, "Reliability"). */
export function sentinelClient(target: SentinelTarget): Redis {
    const client = new Redis({
        name: target.masterName,
        sentinels: target.sentinels,
        password: target.password,
        sentinelPassword: target.password,
        // After a failover the old master answers READONLY: reconnect through Sentinel and resend.
        reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
        // Subscribes to Sentinel's +switch-master, so the client moves as soon as the sentinels agree.
        failoverDetector: true,
        maxRetriesPerRequest: 2,
        connectTimeout: 2000,
        commandTimeout: 3000,
    });
    // Connection errors during faults are expected; failed commands are counted by the caller.
    client.on("error", () => undefined);
    return client;
}

export function startCounterWriter(opts: CounterWriterOptions): CounterWriter {
    const client = sentinelClient(opts);
    const maxOps = opts.maxOps ?? 200_000;
    const deadline = Date.now() + (opts.maxSeconds ?? 600) * 1000;
    const waitReplicas = opts.waitReplicas ?? 0;
    const seen = new Set<number>();
    let acknowledged = 0;
    let failed = 0;
    let duplicates = 0;
    let highest = 0;
    let stopping = false;
    const startedAt = Date.now();
    let lastAck = 0;
    let longestGapMs = 0;

    const loop = (async () => {
        for (let i = 0; i < maxOps && !stopping && Date.now() < deadline; i++) {
            try {
                const value = await client.incr(opts.key);
                if (waitReplicas > 0 && Number(await client.wait(waitReplicas, opts.waitTimeoutMs ?? 1000)) < waitReplicas) {
                    failed++;
                } else {
                    const now = Date.now();
                    longestGapMs = Math.max(longestGapMs, now - (lastAck || startedAt));
                    lastAck = now;
                    acknowledged++;
                    if (seen.has(value)) duplicates++;
                    seen.add(value);
                    highest = Math.max(highest, value);
                }
            } catch {
                failed++;
                await new Promise((r) => setTimeout(r, 100));
            }
            // A steady, modest rate: writes in flight during every step, bounded load.
            await new Promise((r) => setTimeout(r, 5));
        }
    })();

    return {
        acknowledged: () => acknowledged,
        lastAcknowledgedAt: () => lastAck,
        async stop() {
            stopping = true;
            await loop;
            let final = Number.NaN;
            for (let attempt = 0; attempt < 20 && Number.isNaN(final); attempt++) {
                try {
                    final = Number(await client.get(opts.key));
                } catch {
                    await new Promise((r) => setTimeout(r, 500));
                }
            }
            client.disconnect();
            const lost = duplicates + (highest > final ? highest - final : 0);
            return { acknowledged, failed, duplicates, highest, final, lost, longestGapMs };
        },
    };
}
