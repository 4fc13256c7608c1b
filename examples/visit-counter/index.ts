/**
 * The visit counter as a command: counts visits through Sentinel for a while, then prints what was
 * acknowledged and lost, as JSON. The password comes from REDIS_PASSWORD (never the command line).
 *
 *   REDIS_PASSWORD=... npx tsx examples/visit-counter/index.ts \
 *       --master lab --sentinels 10.177.77.11:26389,10.177.77.12:26389,10.177.77.13:26389 \
 *       [--seconds 30] [--wait-replicas 1] [--key visits]
 */
import { startCounterWriter } from "./counter";

function option(name: string, fallback?: string): string {
    const i = process.argv.indexOf(`--${name}`);
    const value = i >= 0 ? process.argv[i + 1] : fallback;
    if (value === undefined) throw new Error(`--${name} is required (see the usage at the top of examples/visit-counter/index.ts)`);
    return value;
}

async function main(): Promise<void> {
    const password = process.env.REDIS_PASSWORD;
    if (!password) throw new Error("set REDIS_PASSWORD in the environment (not on the command line: it would show in ps)");
    const sentinels = option("sentinels")
        .split(",")
        .map((s) => {
            const [host, port] = s.split(":");
            return { host: host ?? "", port: Number(port ?? 26379) };
        });
    const seconds = Number(option("seconds", "30"));
    const writer = startCounterWriter({
        masterName: option("master"),
        sentinels,
        password,
        key: option("key", "visits"),
        waitReplicas: Number(option("wait-replicas", "1")),
        maxSeconds: seconds,
    });
    await new Promise((r) => setTimeout(r, seconds * 1000));
    console.log(JSON.stringify(await writer.stop()));
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
