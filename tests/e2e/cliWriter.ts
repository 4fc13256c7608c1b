/**
 * A plain redis-cli writer on a lab host: the client of an application that knows one address (a
 * frontend's VIP) and nothing of Sentinel. Each visit is one redis-cli connection sending
 * `MULTI; INCR; SADD <id>; EXEC; WAIT 1 <ms>`; it counts only when WAIT says a replica has it. The
 * confirmed ids are read back through Sentinel and checked one by one.
 */
import { execFileSync } from "child_process";
import { readBack, sentinelClient } from "../../examples/visit-counter/counter";
import { TestLab, eventually, onHost } from "./labHarness";

export interface CliWriterReport {
    confirmed: number;
    /** No reply, an error, or WAIT short. */
    unconfirmed: number;
    /** Visits a replica refused (READONLY): the frontend sent a write to a node that was not master. */
    readonly: number;
    lost: number;
    longestGapMs: number;
    /** The loop ended by its own bound (maxSeconds, 40000 visits) before it was stopped: a step outlasted the writer. */
    stoppedByBound: boolean;
}

const LOG = "/root/cli-writer.log";
const STOP = "/root/cli-writer.stop";

/** The loop, run detached on the host (bounded: `maxSeconds`, 40000 visits). REDISCLI_AUTH comes from the environment. */
function loopScript(address: { host: string; port: number }, key: string, maxSeconds: number): string {
    return `rm -f ${STOP} ${LOG}; end=$((SECONDS + ${maxSeconds})); i=0
while [ ! -e ${STOP} ] && [ $SECONDS -lt $end ] && [ $i -lt 40000 ]; do
  id="cli.$i"; i=$((i + 1))
  out=$(printf 'MULTI\\nINCR ${key}\\nSADD ${key}:ids %s\\nEXEC\\nWAIT 1 1000\\n' "$id" | timeout 5 redis-cli --no-auth-warning --no-raw -h ${address.host} -p ${address.port} 2>&1)
  last=$(printf '%s\\n' "$out" | tail -n 1)
  if printf '%s' "$out" | grep -q READONLY; then o=readonly
  elif printf '%s' "$out" | grep -q '^1) (integer)' && [[ "$last" =~ ^\\(integer\\)\\ ([0-9]+)$ ]] && [ "\${BASH_REMATCH[1]}" -ge 1 ]; then o=confirmed
  else o=unconfirmed; sleep 0.1; fi
  printf '%s %s %s\\n' "$(date +%s%3N)" "$id" "$o" >> ${LOG}
  sleep 0.005
done
# How it ended: stopped by the test, or by its own bound (then it was not writing at the end).
if [ -e ${STOP} ]; then echo "done stop" >> ${LOG}; else echo "done bound" >> ${LOG}; fi`;
}

export interface CliWriter {
    stop(): Promise<CliWriterReport>;
    confirmed(): number;
}

export function startCliWriter(lab: TestLab, container: string, address: { host: string; port: number }, key: string, maxSeconds = 300): CliWriter {
    // -e REDISCLI_AUTH without a value: docker takes it from its own environment, never from argv.
    execFileSync("docker", ["exec", "-d", "-e", "REDISCLI_AUTH", container, "bash", "-c", loopScript(address, key, maxSeconds)], { env: { ...process.env, REDISCLI_AUTH: lab.password } });
    const lines = () => onHost(container, `cat ${LOG} 2>/dev/null || true`).split("\n").filter(Boolean);
    return {
        confirmed: () => lines().filter((l) => l.endsWith(" confirmed")).length,
        async stop() {
            onHost(container, `touch ${STOP}`);
            await eventually("the redis-cli writer to stop", 30, () => {
                if (!lines().at(-1)?.startsWith("done ")) throw new Error("still running");
            });
            const all = lines();
            const visits = all
                .filter((l) => !l.startsWith("done "))
                .map((l) => l.split(" "))
                .map(([at, id, outcome]) => ({ at: Number(at), id: id ?? "", outcome: outcome ?? "" }));
            const confirmed = visits.filter((v) => v.outcome === "confirmed");
            let longestGapMs = 0;
            for (let i = 1; i < confirmed.length; i++) longestGapMs = Math.max(longestGapMs, confirmed[i]!.at - confirmed[i - 1]!.at);
            const members = lab.hosts.slice(0, 3);
            const reader = sentinelClient({ masterName: "lab", sentinels: members.map((h) => ({ host: h.address, port: 26389 })), password: lab.password });
            try {
                const result = await readBack(reader, key, `${key}:ids`, confirmed.map((v) => v.id));
                return {
                    confirmed: confirmed.length,
                    unconfirmed: visits.filter((v) => v.outcome === "unconfirmed").length,
                    readonly: visits.filter((v) => v.outcome === "readonly").length,
                    lost: result.lost,
                    longestGapMs,
                    stoppedByBound: all.at(-1) === "done bound",
                };
            } finally {
                reader.disconnect();
            }
        },
    };
}
