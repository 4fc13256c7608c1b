import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HostSpec } from "./config/spec";
import { RemoteStep, RemoteVars, STEP_COMMAND, removalCommand, stepProgram } from "./remote/payload";
import { sshConnection } from "./ssh";

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
    /** A value whose change must make this step run again (e.g. the revisions of the steps it checks). */
    dependsOnRevision?: pulumi.Input<string>;
    /** Inputs of the removal run on destroy; none for steps that leave nothing behind. */
    removal?: RemoteVars;
}

/**
 * One converge step on one host: a remote.Command whose program arrives on stdin (a secret), so it
 * runs on create and again only when its inputs change, like an Ansible handler.
 */
export function hostStep(name: string, args: HostStepArgs, opts: pulumi.CustomResourceOptions): { command: command.remote.Command; revision: pulumi.Output<string> } {
    const program = pulumi.secret(
        pulumi.all([args.password, args.dependsOnRevision ?? ""]).apply(([password, revision]) => stepProgram(args.step, args.vars(password, revision), password)),
    );
    const cmd = new command.remote.Command(
        name,
        {
            connection: sshConnection(args.host, args.sshPrivateKey),
            create: STEP_COMMAND,
            update: STEP_COMMAND,
            stdin: program,
            delete: args.removal ? removalCommand(args.removal) : undefined,
        },
        opts,
    );
    const revision = pulumi.secret(program.apply((p) => crypto.createHash("sha256").update(p).digest("hex")));
    return { command: cmd, revision };
}
