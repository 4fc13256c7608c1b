import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { ClusterSpec, HostSpec } from "./config/spec";
import {
    RemoteStep,
    STEP_COMMAND,
    StagedFile,
    StagedInputs,
    deferredProgram,
    installedChecks,
    installedCommand,
    installedProgram,
    isNodeRemoval,
    keptRemoval,
    removalProgram,
    stageInputs,
    stageVars,
    standaloneCommand,
} from "./remote/payload";
import { CheckInputs, OwnerInputs, ProgramInputs, ProgramsRemovalInputs, RemovalInputs, TlsKeyInput, UnitRemovalInputs } from "./remote/inputs";
import { commandConnection, shellConnection } from "./ssh";
import { HostKey } from "./config/hostKeys";
import { ShellCommand } from "./exec/shellCommand";
import type { PlannedStep } from "./plan/clusterSteps";
import { tlsKeyVars } from "./plan/steps";

/**
 * How commands reach the hosts: `command` is @pulumi/command's remote.Command (needs the `command`
 * plugin); `dynamic` is redis-ha's ShellCommand, a dynamic provider over ssh2 for machines where
 * that plugin cannot be installed. Both run the same programs with the same lifecycle. Whichever is
 * chosen, the preflight (first contact with each host: host key, reachability) and the drift checks
 * are ShellCommands, so both executors verify hosts and report drift the same way.
 */
export const Executor = { command: "command", dynamic: "dynamic" } as const;
export type Executor = (typeof Executor)[keyof typeof Executor];

/** What every per-host component (data node, sentinel) is given. */
export interface HostNodeArgs {
    /** The resolved cluster description. */
    spec: ClusterSpec;
    /** The host this node runs on. */
    host: HostSpec;
    /** SSH private key (secret); undefined only in a preview without one (see RedisHaClusterArgs). */
    sshPrivateKey?: pulumi.Input<string>;
    /** The Redis password (secret); also Sentinel's own `requirepass`. */
    password: pulumi.Input<string>;
    /** Private key (PEM, secret) of this host's TLS certificate, when the cluster uses TLS. */
    tlsPrivateKey?: pulumi.Input<string>;
    /** The host keys this host is trusted with (undefined: not checked, `ssh.insecureIgnoreHostKeys`). */
    hostKeys?: HostKey[];
    /** Which executor runs the commands (default `command`). */
    executor?: Executor;
    /** The install step of this host: its programs are what the node's steps run. */
    programs?: pulumi.Resource;
    /**
     * The node's drift repair marker, from its host's preflight (which checks the node on refresh):
     * when it changes, the node's step runs again. Without it the node has no drift check.
     */
    repairs?: pulumi.Input<string>;
    /**
     * The step as the cluster planned it (clusterSteps), so that it is not planned twice.
     * @internal
     */
    planned?: PlannedStep;
}

/**
 * The resource of a planned step (components/plan/clusterSteps.ts): its plan, run with the
 * cluster's secrets, executor, host keys and the host's installed programs.
 */
export function plannedHostStep(
    name: string,
    planned: PlannedStep,
    context: Omit<HostNodeArgs, "host" | "planned">,
    opts: pulumi.CustomResourceOptions,
    dependsOnRevision?: pulumi.Input<string>,
): ReturnType<typeof hostStep> {
    return hostStep(name, { ...plannedStepArgs(planned, context), dependsOnRevision }, opts);
}

/** What hostStep (or stepRevision) needs of a planned step. */
export function plannedStepArgs(planned: PlannedStep, context: Omit<HostNodeArgs, "host" | "planned">): HostStepArgs & { installed: boolean } {
    return {
        spec: context.spec,
        host: planned.host,
        sshPrivateKey: context.sshPrivateKey,
        password: context.password,
        hostKeys: context.hostKeys,
        executor: planned.executor === "dynamic" ? "dynamic" : context.executor,
        programs: planned.installed ? context.programs : undefined,
        installed: planned.installed,
        step: planned.program,
        vars: planned.inputs,
        secretVars: planned.tlsKey ? pulumi.output(context.tlsPrivateKey).apply(tlsKeyVars) : undefined,
        removal: planned.removal,
        checks: planned.checks,
        hostFiles: planned.hostFiles,
        repairs: context.repairs,
        files: planned.files,
        inputsFile: planned.inputsFile,
        stages: planned.stages,
    };
}

/** What a HostStep needs: where, what to run, and what undoes it. */
export interface HostStepArgs<S extends RemoteStep = RemoteStep> {
    /** The resolved cluster description (SSH settings). */
    spec: ClusterSpec;
    /** The host to run on. */
    host: HostSpec;
    /**
     * SSH private key (secret). Undefined only in a preview without one: the connection is then planned
     * as it is in the state (ignoreChanges), so a PR preview shows real changes only.
     */
    sshPrivateKey?: pulumi.Input<string>;
    /** The host keys this host is trusted with (undefined: not checked). */
    hostKeys?: HostKey[];
    /** The Redis password (secret); it reaches the host only on stdin. */
    password: pulumi.Input<string>;
    /** Which remote program runs. */
    step: S;
    /** The program's inputs, given the resolved password and `dependsOnRevision`. */
    vars: (password: string, dependsOnRevision: string) => ProgramInputs[S];
    /** Further secret inputs of the program (the TLS private key); like the password, they reach the host only on stdin. */
    secretVars?: pulumi.Input<TlsKeyInput>;
    /** A value whose change must make this step run again (e.g. the revisions of the steps it checks). */
    dependsOnRevision?: pulumi.Input<string>;
    /**
     * Inputs of the removal run on destroy; none for steps that leave nothing behind. A step with a
     * removal owns a service: its program records it as the owner on the host (RH_OWNER_FILE), and
     * its removal leaves the service alone when another step owns it by then (see `ownerToken`).
     */
    removal?: RemovalInputs | UnitRemovalInputs | ProgramsRemovalInputs;
    /**
     * The drift checks of the host's steps, by step (the preflight's: it runs them on refresh,
     * `pulumi preview --refresh`, on either executor, and keeps a repair marker per step).
     */
    checks?: ReadonlyArray<{ step: string; check: CheckInputs }>;
    /** What the host must hold for its steps, and the steps repaired when a refresh finds it missing (PlannedStep.hostFiles). */
    hostFiles?: { steps: string[]; files: string[] };
    /** The step's drift repair marker (from its host's preflight): when it changes, the step runs again. */
    repairs?: pulumi.Input<string>;
    /** Which executor runs the commands (default `command`). */
    executor?: Executor;
    /**
     * The files the step writes, secrets masked, as its host's programs step staged them: the step
     * carries their hashes and secret lines instead of their content (`stageVars`).
     */
    files?: StagedFile[];
    /** Its plain inputs as its host's programs step staged them: the step carries their hash (`stageInputs`). */
    inputsFile?: StagedInputs;
    /**
     * The files the step stages (the install step: those of every step on its host), an input of its
     * own, so that `pulumi preview --diff` shows which file on which host changes, line by line,
     * where each step's program (stdin) is a secret.
     */
    stages?: StagedFile[];
    /**
     * The install step of this host (remote/install.sh). With it, the step, its removal and its drift
     * check run the installed programs by hash and carry only their inputs, and the step depends on
     * it (created after it, removed before it). Without it (the preflight, the install itself), the
     * program travels whole on stdin.
     */
    programs?: pulumi.Resource;
}

/**
 * Who owns a service on a host: the step's resource name and executor. Any replacement of a step
 * (an executor switch, a rename, a new parent) changes it. Pulumi creates the successor first and
 * deletes the old step at the end of the update, so the old step's removal finds the successor's
 * token on the host and removes nothing.
 */
export function ownerToken(executor: Executor, name: string): string {
    return `${executor}:${name}`;
}

/**
 * One converge step on one host: a command whose program arrives on stdin (a secret), so it runs on
 * create and again only when its inputs change, like an Ansible handler.
 *
 * `revision` changes when the step's program changes; `ran` changes whenever the step runs (also
 * when a refresh found drift), so a final check keyed on `ran` runs after every step that ran.
 */
export function hostStep<S extends RemoteStep>(
    name: string,
    args: HostStepArgs<S>,
    opts: pulumi.CustomResourceOptions,
): {
    resource: pulumi.CustomResource;
    revision: pulumi.Output<string>;
    ran: pulumi.Output<string>;
    stdout: pulumi.Output<string>;
    /** The repair marker of a step this one checks (see HostStepArgs.checks). */
    repairsOf: (step: string) => pulumi.Output<string>;
} {
    const executor = args.executor ?? "command";
    // Only ShellCommand's provider puts the programs (deferredProgram) and the staged files into a
    // step's stdin, and runs checks on refresh: remote.Command has no refresh (pulumi/pulumi-command#432).
    const needsShellCommand = [!args.programs && "carries its programs", args.stages && "stages files", args.checks && "checks drift"].filter(Boolean);
    if (needsShellCommand.length && executor !== "dynamic") throw new Error(`internal: step ${name} ${needsShellCommand.join(", ")}, so it runs on redis-ha's executor`);
    const owner = args.removal ? ownerToken(executor, name) : undefined;
    const withOwner = (vars: ProgramInputs[S]): ProgramInputs[S] & OwnerInputs => (owner ? { ...vars, RH_OWNER: owner, RH_OWNER_FILE: args.removal?.RH_OWNER_FILE ?? "" } : vars);
    const programArgs: StepProgramArgs<S> = {
        ...args,
        installed: args.programs !== undefined,
        vars: (password, revision) => withOwner(stageInputs(stageVars(args.vars(password, revision), args.files ?? []), args.inputsFile)),
    };
    const program = stepProgramOutput(programArgs);
    const privateKey = args.sshPrivateKey ?? pulumi.secret("");
    // A preview without the key (a PR pipeline): every connection stays as it is in the state.
    const stepOpts: pulumi.CustomResourceOptions = withDependency(
        args.sshPrivateKey === undefined ? { ...opts, ignoreChanges: [...(opts.ignoreChanges ?? []), "connection"] } : opts,
        args.programs,
    );
    const ssh = shellConnection(args.spec, args.host, privateKey, args.hostKeys);
    // The marker is part of the step's `update` command, so the step runs again when its host's
    // preflight found drift on refresh and puts the host back. It is an input the preflight's provider
    // sets, hence known in a preview: a PR's `preview --diff` shows the step's real change, never `[unknown]`.
    const repairs = pulumi.output(args.repairs ?? "");
    const commands = {
        create: STEP_COMMAND,
        update: repairs.apply(updateCommand),
        stdin: program,
        delete: args.removal && owner ? removalCommand(args.removal, owner, args.inputsFile !== undefined) : undefined,
    };
    const files = args.stages ? Object.fromEntries(args.stages.map((f) => [f.path, f.text])) : undefined;
    const checks =
        args.checks?.length || args.hostFiles
            ? {
                  check: installedChecks(
                      (args.checks ?? []).map(({ step, check }) => ({ key: step, check })),
                      args.hostFiles ? { dir: args.spec.paths.programsDir, files: args.hostFiles.files } : undefined,
                  ),
                  repairKeys: repairKeysOf(args),
              }
            : {};
    const cmd =
        executor === "command"
            ? new command.remote.Command(
                  name,
                  { connection: commandConnection(args.spec, args.host, privateKey, args.hostKeys), addPreviousOutputInEnv: false, ...commands },
                  stepOpts,
              )
            : new ShellCommand(name, { connection: ssh, ...commands, ...(files ? { files } : {}), ...checks }, stepOpts);
    const markers = cmd instanceof ShellCommand ? cmd.repairs : pulumi.output("");
    const repairsOf = (step: string) => markers.apply((m) => (typeof m === "object" ? (m[step] ?? "") : ""));
    const revision = stepRevision(programArgs);
    const ran = pulumi.all([revision, repairs]).apply(([r, id]) => `${r}:${id}`);
    return { resource: cmd, revision, ran, stdout: cmd.stdout, repairsOf };
}

/** The steps a host's preflight keeps a repair marker for: those whose files it checks, and those it checks for drift. */
export function repairKeysOf(args: Pick<HostStepArgs, "checks" | "hostFiles">): string[] {
    return [...new Set([...(args.hostFiles?.steps ?? []), ...(args.checks ?? []).map((c) => c.step)])];
}

/** `opts` with `extra` added to its dependsOn (created after it, deleted before it). */
function withDependency(opts: pulumi.CustomResourceOptions, extra: pulumi.Resource | undefined): pulumi.CustomResourceOptions {
    if (!extra) return opts;
    const given = opts.dependsOn;
    if (given === undefined) return { ...opts, dependsOn: [extra] };
    if (Array.isArray(given)) return { ...opts, dependsOn: [...given, extra] };
    if (pulumi.Resource.isInstance(given)) return { ...opts, dependsOn: [given, extra] };
    throw new Error("internal: hostStep takes dependsOn as resources, not as an Output");
}

/**
 * A removal's command: a data node's or sentinel's (remove.sh), a frontend's or exporter's
 * (remove-units.sh: units and files only), both from the installed programs; or the installed
 * programs' own (remove-programs.sh, self-contained).
 */
function removalCommand(removal: RemovalInputs | UnitRemovalInputs | ProgramsRemovalInputs, owner: string, kept: boolean): string {
    if (!isNodeRemoval(removal)) return standaloneCommand("remove-programs", { ...removal, RH_OWNER: owner });
    // A node step keeps its removal's inputs on its host (RH_KEPT_REMOVAL): its removal names them by hash.
    return kept ? keptRemoval(removal).command(owner) : installedCommand(removalProgram(removal), { ...removal, RH_OWNER: owner });
}

/** The step's `update`: the program on stdin, marked with the drift repair that made it run. */
export function updateCommand(repairId: string): string {
    return repairId ? `${STEP_COMMAND} # drift repair ${repairId}` : STEP_COMMAND;
}

/** What a step's program is made of. */
type StepProgramArgs<S extends RemoteStep> = Pick<HostStepArgs<S>, "password" | "dependsOnRevision" | "step" | "secretVars"> & {
    vars: (password: string, dependsOnRevision: string) => ProgramInputs[S] & OwnerInputs;
    /** Whether it runs the installed programs (see HostStepArgs.programs) or carries them. */
    installed?: boolean;
};

/** The program a step sends on stdin (a secret: it carries the password). */
function stepProgramOutput<S extends RemoteStep>(args: StepProgramArgs<S>): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .all([args.password, args.dependsOnRevision ?? "", args.secretVars ?? {}])
            .apply(([password, revision, secretVars]) =>
                (args.installed ? installedProgram : deferredProgram)(args.step, { ...args.vars(password, revision), ...secretVars }, password),
            ),
    );
}

/**
 * A hash that changes exactly when the step's program changes, i.e. when the step will run again.
 * Secret, because it is a hash of text that holds the password. Known before the step exists, so
 * that steps which must run first (preflight) can re-run exactly when it will.
 */
export function stepRevision<S extends RemoteStep>(args: StepProgramArgs<S>): pulumi.Output<string> {
    return pulumi.secret(stepProgramOutput(args).apply((p) => crypto.createHash("sha256").update(p).digest("hex")));
}
