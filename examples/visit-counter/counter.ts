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
    /** Of those, visits a master accepted (EXEC replied) that WAIT did not confirm: e.g. an isolated old master's. */
    waitShort: number;
    /** Visits refused with an error reply (e.g. NOREPLICAS, READONLY, a connection error before sending). */
    errors: number;
    /** Of those, visits a replica refused (READONLY): the client's write reached a node that was not master. */
    readonly: number;
    /** Confirmed visits whose id is not in the set read back at the end: confirmed writes lost. */
    lost: number;
    /** Up to 10 of the lost visits: id, when it was confirmed (ms since the epoch) and by which node (address:port). */
    lostIds: Array<{ id: string; confirmedAt: number; node: string }>;
    /** Ids in the set that were never confirmed (the client saw no reply or an error, but Redis kept them). */
    keptUnconfirmed: number;
    /** The counter read back at the end. */
    final: number;
    /** Longest time without a confirmed visit, in milliseconds (the outage a user saw), from the first confirmation to the stop. */
    longestGapMs: number;
    /** The loop ended by its own bound (maxOps/maxSeconds) before it was stopped: a step outlasted the writer. */
    stoppedByBound: boolean;
}

/** What became of one visit: confirmed; refused by an error reply (`readonly`: by a replica); accepted but too few replicas acknowledged it; no reply. */
export type VisitOutcome = "confirmed" | "refused" | "readonly" | "waitShort" | "noReply";

/** One visit attempt: when its outcome was known, the node the client was connected to then (address:port), the outcome. */
export interface VisitAttempt {
    at: number;
    node: string;
    outcome: VisitOutcome;
}

export interface CounterWriter {
    /** Resolves at the first confirmed visit (rejects after 30 s without one): proof that the writer runs. */
    readonly ready: Promise<void>;
    /**
     * Stops the loop, reads every confirmed id back through Sentinel and reports; throws if it cannot
     * read them. `readPassword`: the password to read back with when it changed meanwhile (a rotation).
     */
    stop(readPassword?: string): Promise<CounterReport>;
    /** Confirmed visits so far. */
    confirmed(): number;
    /** When the last visit was confirmed (ms since the epoch; 0 before the first). */
    lastConfirmedAt(): number;
    /** Every visit attempt so far, in order (kept out of the report, which assertion messages print). */
    attempts(): readonly VisitAttempt[];
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
    /**
     * Write through this address instead of asking Sentinel (a frontend's VIP: a client that does not
     * speak Sentinel). The confirmed visits are still read back through Sentinel, from the master.
     */
    address?: { host: string; port: number };
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

/** A plain client of one address (a frontend's VIP), as an application that cannot use Sentinel configures it. */
export function directClient(address: { host: string; port: number }, password: string): Redis {
    const client = new Redis({
        host: address.host,
        port: address.port,
        password,
        // A node demoted under an open connection answers READONLY: reconnect (the frontend routes the new connection to the master) and resend.
        reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 2 : false),
        maxRetriesPerRequest: 2,
        connectTimeout: 2000,
        commandTimeout: 3000,
    });
    client.on("error", () => undefined);
    return client;
}

export function startCounterWriter(opts: CounterWriterOptions): CounterWriter {
    const connect = () => (opts.address ? directClient(opts.address, opts.password) : sentinelClient(opts));
    let client = connect();
    const maxOps = opts.maxOps ?? 200_000;
    const deadline = Date.now() + (opts.maxSeconds ?? 600) * 1000;
    const waitReplicas = opts.waitReplicas ?? 0;
    const idsKey = `${opts.key}:ids`;
    const writerId = `${process.pid}.${Date.now().toString(36)}`;
    const confirmedIds: string[] = [];
    // When and where each confirmed visit was confirmed (same index), to trace a lost one.
    const confirmedAt: number[] = [];
    const confirmedBy: string[] = [];
    const attempts: VisitAttempt[] = [];
    let unconfirmed = 0;
    let waitShort = 0;
    let errors = 0;
    let readonly = 0;
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
            if (client.status === "end") client = connect();
            const outcome = await visit(client, opts.key, idsKey, id, waitReplicas, opts.waitTimeoutMs ?? 1000);
            const now = Date.now();
            const node = `${client.stream.remoteAddress ?? "?"}:${client.stream.remotePort ?? "?"}`;
            attempts.push({ at: now, node, outcome });
            if (outcome === "confirmed") {
                if (lastConfirmed) longestGapMs = Math.max(longestGapMs, now - lastConfirmed);
                lastConfirmed = now;
                confirmedIds.push(id);
                confirmedAt.push(now);
                confirmedBy.push(node);
                markReady();
            } else {
                if (outcome === "refused" || outcome === "readonly") errors++;
                if (outcome === "readonly") readonly++;
                else unconfirmed++;
                if (outcome === "waitShort") waitShort++;
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
        attempts: () => attempts,
        async stop(readPassword?: string) {
            stopping = true;
            await loop;
            const stoppedAt = Date.now();
            if (lastConfirmed) longestGapMs = Math.max(longestGapMs, stoppedAt - lastConfirmed);
            client.disconnect();
            // Read back with a client of its own, through Sentinel, as any other reader would.
            let result: { lostIndexes: number[]; lost: number; kept: number; final: number } | undefined;
            let lastError: unknown;
            for (let attempt = 0; attempt < 30 && !result; attempt++) {
                const reader = sentinelClient(readPassword === undefined ? opts : { ...opts, password: readPassword });
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
                waitShort,
                errors,
                readonly,
                lost: result.lost,
                lostIds: result.lostIndexes.map((i) => ({ id: confirmedIds[i] ?? "", confirmedAt: confirmedAt[i] ?? 0, node: confirmedBy[i] ?? "" })),
                keptUnconfirmed: result.kept - (confirmedIds.length - result.lost),
                final: result.final,
                longestGapMs,
                stoppedByBound,
            };
        },
    };
}

/**
 * One visit: `MULTI; INCR; SADD; EXEC`, then `WAIT n` when asked, sent as **one pipeline** so that the
 * WAIT runs on the connection that wrote. WAIT counts the replicas that have this connection's last
 * write; sent on its own, a client that reconnects in between (ioredis queues commands while it
 * reconnects and sends them on the new connection) runs it on a fresh connection to another server,
 * which has written nothing, so it returns at once: a confirmation of nothing. That is how a paused
 * master that woke up, took the write and was then demoted lost "confirmed" visits (README, Durability).
 * In one pipeline, ioredis never sends the WAIT without its transaction: a reply to part of a pipeline
 * and then a dropped connection fails the rest of it (the visit is unconfirmed).
 */
async function visit(client: Redis, key: string, idsKey: string, id: string, waitReplicas: number, waitTimeoutMs: number): Promise<VisitOutcome> {
    const commands = [["multi"], ["incr", key], ["sadd", idsKey, id], ["exec"]];
    if (waitReplicas > 0) commands.push(["wait", String(waitReplicas), String(waitTimeoutMs)]);
    let results: Array<[Error | null, unknown]> | null;
    try {
        results = await client.pipeline(commands).exec();
    } catch {
        return "noReply";
    }
    if (!results) return "noReply";
    // An error reply to the transaction (NOREPLICAS, READONLY, EXECABORT) means Redis refused it; no
    // reply (a timeout, a dropped connection) means it may have run: unconfirmed, checked at the end.
    const failed = results.slice(0, 4).find(([err]) => err)?.[0];
    if (failed) return failed instanceof ReplyError ? (failed.message.startsWith("READONLY") ? "readonly" : "refused") : "noReply";
    if (!Array.isArray(results[3]?.[1])) return "noReply";
    if (waitReplicas === 0) return "confirmed";
    const [waitError, acknowledged] = results[4] ?? [new Error("no WAIT reply"), 0];
    // EXEC replied: the master took the visit, whatever became of its WAIT.
    return !waitError && Number(acknowledged) >= waitReplicas ? "confirmed" : "waitShort";
}

/** Checks every confirmed id against the set on the current master, in chunks. */
export async function readBack(client: Redis, key: string, idsKey: string, ids: string[]): Promise<{ lostIndexes: number[]; lost: number; kept: number; final: number }> {
    const lostIndexes: number[] = [];
    let lost = 0;
    for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        const present = (await client.call("SMISMEMBER", idsKey, ...chunk)) as number[];
        if (!Array.isArray(present) || present.length !== chunk.length) throw new Error("SMISMEMBER gave no answer for every id");
        present.forEach((p, j) => {
            if (p !== 1) {
                lost++;
                if (lostIndexes.length < 10) lostIndexes.push(i + j);
            }
        });
    }
    const [kept, final] = await Promise.all([client.scard(idsKey), client.get(key)]);
    return { lostIndexes, lost, kept, final: Number(final ?? 0) };
}
