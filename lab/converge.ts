/**
 * What `bash scripts/lab.sh` does with a cluster stack: deploy, look at the cluster as a client does,
 * and when it is not healthy (every unit stopped by a machine restart, a sentinel killed by hand),
 * repair it once with `pulumi up --refresh`: a plain `up` compares the program with the state only,
 * so it finds nothing to do on hosts whose services died; the refresh runs every step's drift check
 * on its host, and the update puts back what they found. Nothing is called healthy without having
 * looked after the last update.
 */

/** The refresh that repairs a cluster whose hosts no longer match its state, as a user types it. */
export const REPAIR_COMMAND = "pulumi up --refresh";

export interface ConvergeSteps<R> {
    /** Runs `pulumi up` (with `refresh`: `pulumi up --refresh`) and returns its result. */
    up(refresh: boolean): Promise<R>;
    /** What is wrong with the cluster that `result` deployed, after a bounded wait (empty: healthy). */
    problems(result: R): Promise<string[]>;
    /** Prints a line for the user. */
    say(line: string): void;
}

const list = (problems: string[]) => problems.map((p) => `\n  - ${p}`).join("");

/**
 * Deploys and returns the last update's result once the cluster was seen healthy; throws, naming
 * what is wrong and the way out, when it is still not healthy after the repair.
 */
export async function convergeHealthy<R>(name: string, steps: ConvergeSteps<R>, statusCommand: string): Promise<R> {
    const first = await steps.up(false);
    const problems = await steps.problems(first);
    if (problems.length === 0) return first;
    steps.say(`[lab] cluster ${name} is not healthy:${list(problems)}\n[lab] repairing it with \`${REPAIR_COMMAND}\` (the refresh finds what stopped or drifted on the hosts; the update puts it back)`);
    const repaired = await steps.up(true);
    const left = await steps.problems(repaired);
    if (left.length === 0) return repaired;
    throw new Error(
        `cluster ${name} is still not healthy after \`${REPAIR_COMMAND}\`:${list(left)}\n` +
            `What each host shows: ${statusCommand}\n` +
            "A host that cannot be repaired: `bash scripts/lab.sh down`, then `bash scripts/lab.sh`, makes the lab anew (its data is lost).",
    );
}
