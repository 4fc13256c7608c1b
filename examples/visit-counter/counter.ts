/**
 * The visit counter (like the seeds' demo app): a Sentinel-aware client (ioredis) that keeps
 * counting visits and records every confirmed one, so that a test or a benchmark can prove that no
 * confirmed write was lost across an update or a fault.
 *
 * Each visit is one transaction, `MULTI; INCR <key>; SADD <key>:ids <id>; EXEC`, with an id unique to
 * this writer. Every confirmed id is checked individually at the end (SMISMEMBER through Sentinel): a
 * counter alone cannot tell a lost confirmed increment from one that ran unconfirmed and refilled it.
 *
 * What "confirmed" means is the durability policy. With `waitReplicas: 0` it is Redis's reply:
 * replication is asynchronous, so a master that dies or is cut off right after replying loses
 * the write (Jepsen 2013 measured 56% of acknowledged writes lost under a partition). With
 * `waitReplicas: n` a visit counts only once `WAIT n` confirms n replicas have it; Sentinel
 * promotes the replica with the most data, so a confirmed visit survives the loss of the master.
 */
import Redis, { ReplyError } from "ioredis";

export interface CounterReport {
    /** Visits confirmed under the policy (the reply, and WAIT when asked). */
    confirmed: number;
    /** Visits Redis applied or may have applied, but not confirmed: WAIT counted fewer replicas, or no reply came. */
    unconfirmed: number;
    /** Visits refused with an error reply (e.g. NOREPLICAS, READONLY, a connection error before sending). */
    errors: number;
    /** Confirmed visits whose id is not in the set read back at the end: confirmed writes lost. */
    lost: number;
    /** Up to 10 of the lost ids, to look them up. */
    lostIds: string[];
    /** Ids in the set that were never confirmed (the client saw no reply or an error, but Redis kept them). */
    keptUnconfirmed: number;
    /** The counter read back at the end. */
    final: number;
    /** Longest time without a confirmed visit, in milliseconds (the outage a user saw), from the first confirmation to the stop. */
    longestGapMs: number;
    /** The loop ended by its own bound (maxOps/maxSeconds) before it was stopped: a step outlasted the writer. */
    stoppedByBound: boolean;
}

export interface CounterWriter {
    /** Resolves at the first confirmed visit (rejects after 30 s without one): proof that the writer runs. */
    readonly ready: Promise<void>;
    /** Stops the loop, reads every confirmed id back through Sentinel and reports; throws if it cannot read them. */
    stop(): Promise<CounterReport>;
    /** Confirmed visits so far. */
    confirmed(): number;
    /** When the last visit was confirmed (ms since the epoch; 0 before the first). */
    lastConfirmedAt(): number;
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
    let client = sentinelClient(opts);
    const maxOps = opts.maxOps ?? 200_000;
    const deadline = Date.now() + (opts.maxSeconds ?? 600) * 1000;
    const waitReplicas = opts.waitReplicas ?? 0;
    const idsKey = `${opts.key}:ids`;
    const writerId = `${process.pid}.${Date.now().toString(36)}`;
    const confirmedIds: string[] = [];
    let unconfirmed = 0;
    let errors = 0;
    let stopping = false;
    // Read through a function: the loop awaits between checks, and `stop()` sets it meanwhile.
    const isStopping = () => stopping;
    let stoppedByBound = false;
    let lastConfirmed = 0;
    let longestGapMs = 0;
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
        markReady = resolve;
        setTimeout(() => reject(new Error(`the writer got no visit confirmed in 30 s (${errors} errors, ${unconfirmed} unconfirmed)`)), 30_000).unref();
    });
    ready.catch(() => undefined);

    const loop = (async () => {
        for (let i = 0; !isStopping(); i++) {
            if (i >= maxOps || Date.now() >= deadline) {
                stoppedByBound = true;
                break;
            }
            const id = `${writerId}.${i}`;
            // ioredis ends a Sentinel client for good (status "end": every later command fails with
            // "Connection is closed.") when one connect attempt fails inside its Sentinel connector, e.g.
            // while a failover is under way. An application must then make a new client; so does this one.
            if (client.status === "end") client = sentinelClient(opts);
            let replied = false;
            try {
                const results = await client.multi().incr(opts.key).sadd(idsKey, id).exec();
                const failedPart = results?.find(([err]) => err);
                if (!results || failedPart) throw failedPart?.[0] ?? new Error("transaction aborted");
                replied = true;
                if (waitReplicas > 0 && (await client.wait(waitReplicas, opts.waitTimeoutMs ?? 1000)) < waitReplicas) {
                    unconfirmed++;
                } else {
                    const now = Date.now();
                    if (lastConfirmed) longestGapMs = Math.max(longestGapMs, now - lastConfirmed);
                    lastConfirmed = now;
                    confirmedIds.push(id);
                    markReady();
                }
            } catch (err) {
                // An error reply to the transaction means Redis refused it; no reply (a timeout, a dropped
                // connection) or a failed WAIT means it may have run: unconfirmed, and checked at the end.
                if (!replied && err instanceof ReplyError) errors++;
                else unconfirmed++;
                await new Promise((r) => setTimeout(r, 100));
            }
            // A steady, modest rate: writes in flight during every step, bounded load.
            await new Promise((r) => setTimeout(r, 5));
        }
    })();

    return {
        ready,
        confirmed: () => confirmedIds.length,
        lastConfirmedAt: () => lastConfirmed,
        async stop() {
            stopping = true;
            await loop;
            const stoppedAt = Date.now();
            if (lastConfirmed) longestGapMs = Math.max(longestGapMs, stoppedAt - lastConfirmed);
            client.disconnect();
            // Read back with a client of its own, through Sentinel, as any other reader would.
            let result: { lostIds: string[]; lost: number; kept: number; final: number } | undefined;
            let lastError: unknown;
            for (let attempt = 0; attempt < 30 && !result; attempt++) {
                const reader = sentinelClient(opts);
                try {
                    result = await readBack(reader, opts.key, idsKey, confirmedIds);
                } catch (err) {
                    lastError = err;
                    await new Promise((r) => setTimeout(r, 1000));
                } finally {
                    reader.disconnect();
                }
            }
            // Without the read-back there is no claim to make: fail rather than report 0 lost.
            if (!result) throw new Error(`could not read the confirmed visits back through Sentinel: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
            return {
                confirmed: confirmedIds.length,
                unconfirmed,
                errors,
                lost: result.lost,
                lostIds: result.lostIds,
                keptUnconfirmed: result.kept - (confirmedIds.length - result.lost),
                final: result.final,
                longestGapMs,
                stoppedByBound,
            };
        },
    };
}

/** Checks every confirmed id against the set on the current master, in chunks. */
async function readBack(client: Redis, key: string, idsKey: string, ids: string[]): Promise<{ lostIds: string[]; lost: number; kept: number; final: number }> {
    const lostIds: string[] = [];
    let lost = 0;
    for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        const present = (await client.call("SMISMEMBER", idsKey, ...chunk)) as number[];
        if (!Array.isArray(present) || present.length !== chunk.length) throw new Error("SMISMEMBER gave no answer for every id");
        present.forEach((p, j) => {
            if (p !== 1) {
                lost++;
                if (lostIds.length < 10) lostIds.push(chunk[j] ?? "");
            }
        });
    }
    const [kept, final] = await Promise.all([client.scard(idsKey), client.get(key)]);
    return { lostIds, lost, kept, final: Number(final ?? 0) };
}
