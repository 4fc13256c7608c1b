/**
 * A Sentinel-aware client (ioredis) that keeps incrementing a counter while an update or a fault
 * runs, and records every acknowledged increment, so that a test can prove none was lost.
 *
 * INCR returns the new value. If acknowledged writes were lost (a master rolled back), the counter
 * climbs again over values already acknowledged: so "nothing lost" is exactly "every acknowledged
 * value is distinct, and the final counter is at least the highest of them".
 */
import Redis from "ioredis";

export interface CounterReport {
    /** Increments the server acknowledged. */
    acknowledged: number;
    /** Increments that failed (not acknowledged: the client saw an error). */
    failed: number;
    /** Acknowledged values seen more than once: acknowledged writes that were lost and redone. */
    duplicates: number;
    /** Highest acknowledged value. */
    highest: number;
    /** The counter read back through Sentinel at the end. */
    final: number;
    /** Acknowledged writes lost: duplicates, plus acknowledged values above the final counter. */
    lost: number;
}

export interface CounterWriter {
    /** Stops the loop, reads the counter back and reports. */
    stop(): Promise<CounterReport>;
    /** Acknowledged increments so far. */
    acknowledged(): number;
}

export interface CounterWriterOptions {
    masterName: string;
    sentinels: Array<{ host: string; port: number }>;
    password: string;
    key: string;
    /** Upper bounds of the loop, whatever happens. */
    maxOps?: number;
    maxSeconds?: number;
}

/** A client as an application would configure it for Sentinel (see README, "Clients"). */
export function sentinelClient(opts: Pick<CounterWriterOptions, "masterName" | "sentinels" | "password">): Redis {
    return new Redis({
        name: opts.masterName,
        sentinels: opts.sentinels,
        password: opts.password,
        sentinelPassword: opts.password,
        // After a hand-over the old master answers READONLY: reconnect through Sentinel and resend.
        reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
        failoverDetector: true,
        maxRetriesPerRequest: 2,
        connectTimeout: 2000,
        commandTimeout: 3000,
        lazyConnect: false,
    });
}

export function startCounterWriter(opts: CounterWriterOptions): CounterWriter {
    const client = sentinelClient(opts);
    // Connection errors during faults are expected; failed commands are counted below.
    client.on("error", () => undefined);
    const maxOps = opts.maxOps ?? 200_000;
    const deadline = Date.now() + (opts.maxSeconds ?? 600) * 1000;
    const seen = new Set<number>();
    let acknowledged = 0;
    let failed = 0;
    let duplicates = 0;
    let highest = 0;
    let stopping = false;

    const loop = (async () => {
        for (let i = 0; i < maxOps && !stopping && Date.now() < deadline; i++) {
            try {
                const value = await client.incr(opts.key);
                acknowledged++;
                if (seen.has(value)) duplicates++;
                seen.add(value);
                highest = Math.max(highest, value);
            } catch {
                failed++;
                await new Promise((r) => setTimeout(r, 100));
            }
            // A steady, modest rate: enough writes in flight during every step, bounded load.
            await new Promise((r) => setTimeout(r, 5));
        }
    })();

    return {
        acknowledged: () => acknowledged,
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
            return { acknowledged, failed, duplicates, highest, final, lost };
        },
    };
}
