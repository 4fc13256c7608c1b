import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { ClusterSpec, HostSpec } from "./config/spec";
import { RemoteStep, RemoteVars, STEP_COMMAND, standaloneCommand, stepProgram } from "./remote/payload";
import { sshConnection } from "./ssh";
import { ShellCommand } from "./exec/shellCommand";

/**
 * How commands reach the hosts: `command` is @pulumi/command's remote.Command (needs the `command`
 * plugin); `dynamic` is redis-ha's ShellCommand, a dynamic provider over ssh2 for machines where
 * that plugin cannot be installed. Both run the same programs with the same lifecycle.
 */
export type Executor = "command" | "dynamic";

/** What every per-host component (data node, sentinel) is given. */
export interface HostNodeArgs {
    /** The resolved cluster description. */
    spec: ClusterSpec;
    /** The host this node runs on. */
    host: HostSpec;
    /** SSH private key (secret). */
    sshPrivateKey: pulumi.Input<string>;
    /** The Redis password (secret); also Sentinel's own `requirepass`. */
    password: pulumi.Input<string>;
    /** Private key (PEM, secret) of this host's TLS certificate, when the cluster uses TLS. */
    tlsPrivateKey?: pulumi.Input<string>;
    /** Which executor runs the commands (default `command`). */
    executor?: Executor;
}

/** What a HostStep needs: where, what to run, and what undoes it. */
export interface HostStepArgs {
    /** The host to run on. */
    host: HostSpec;
    /** SSH private key (secret). */
    sshPrivateKey: pulumi.Input<string>;
    /** The Redis password (secret); it reaches the host only on stdin. */
    password: pulumi.Input<string>;
    /** Which remote program runs. */
    step: RemoteStep;
    /** The program's inputs, given the resolved password and `dependsOnRevision`. */
    vars: (password: string, dependsOnRevision: string) => RemoteVars;
    /** Further secret inputs of the program (e.g. a TLS private key); like the password, they reach the host only on stdin. */
    secretVars?: pulumi.Input<RemoteVars>;
    /** A value whose change must make this step run again (e.g. the revisions of the steps it checks). */
    dependsOnRevision?: pulumi.Input<string>;
    /** Inputs of the removal run on destroy; none for steps that leave nothing behind. */
    removal?: RemoteVars;
    /**
     * Inputs of the drift check run on refresh (`pulumi preview --refresh`): when it reports a
     * difference, the step runs again on the next `up --refresh`. The `command` executor has no refresh hook.
     */
    check?: RemoteVars;
    /** Which executor runs the commands (default `command`). */
    executor?: Executor;
}

/**
 * One converge step on one host: a remote.Command whose program arrives on stdin (a secret), so it
 * runs on create and again only when its inputs change, like an Ansible handler.
 */
/**
 * `revision` changes when the step's program changes; `ran` changes whenever the step runs (also
 * when a refresh found drift), so a final check keyed on `ran` runs after every step that ran. With
 * the `command` executor, which reports no run, `ran` is the revision.
 */
export function hostStep(
    name: string,
    args: HostStepArgs,
    opts: pulumi.CustomResourceOptions,
): { resource: pulumi.CustomResource; revision: pulumi.Output<string>; ran: pulumi.Output<string> } {
    const program = stepProgramOutput(args);
    const commands = {
        create: STEP_COMMAND,
        update: STEP_COMMAND,
        stdin: program,
        delete: args.removal ? standaloneCommand("remove", args.removal) : undefined,
    };
    const connection = sshConnection(args.host, args.sshPrivateKey);
    const cmd =
        (args.executor ?? "command") === "command"
            ? new command.remote.Command(name, { connection, ...commands }, opts)
            : new ShellCommand(
                  name,
                  {
                      // The same connection as remote.Command's, in ShellCommand's plain shape.
                      connection: pulumi.secret(
                          pulumi.output(connection).apply((c) => ({
                              name: args.host.name,
                              host: c.host,
                              port: c.port ?? args.host.sshPort,
                              user: c.user ?? args.host.sshUser,
                              privateKey: c.privateKey ?? "",
                          })),
                      ),
                      ...commands,
                      check: args.check ? standaloneCommand("check", args.check) : undefined,
                  },
                  opts,
              );
    const revision = stepRevision(args);
    const ran = cmd instanceof ShellCommand ? pulumi.all([revision, cmd.runId]).apply(([r, id]) => `${r}:${id}`) : revision;
    return { resource: cmd, revision, ran };
}

/** What a step's program is made of. */
type StepProgramArgs = Pick<HostStepArgs, "password" | "dependsOnRevision" | "step" | "vars" | "secretVars">;

/** The program a step sends on stdin (a secret: it carries the password). */
function stepProgramOutput(args: StepProgramArgs): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .all([args.password, args.dependsOnRevision ?? "", args.secretVars ?? {}])
            .apply(([password, revision, secretVars]) => stepProgram(args.step, { ...args.vars(password, revision), ...secretVars }, password)),
    );
}

/**
 * A hash that changes exactly when the step's program changes, i.e. when the step will run again.
 * Secret, because it is a hash of text that holds the password. Known before the step exists, so
 * that steps which must run first (preflight) can re-run exactly when it will.
 */
export function stepRevision(args: StepProgramArgs): pulumi.Output<string> {
    return pulumi.secret(stepProgramOutput(args).apply((p) => crypto.createHash("sha256").update(p).digest("hex")));
}
