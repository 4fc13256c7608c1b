/**
 * ShellCommand: a Pulumi dynamic resource that runs shell commands over real SSH (ssh2) or locally,
 * with the same lifecycle as @pulumi/command's Command: `create` on create, `update` (or `create`)
 * when inputs change, `delete` on destroy, the program on stdin, nothing on preview.
 *
 * Why it exists: on machines that cannot download provider plugins (no get.pulumi.com, and the Go
 * proxy does not serve pulumi-command's provider module), the `command` plugin cannot be installed.
 * A dynamic provider runs inside Node, so it needs no plugin download. RedisHaCluster uses
 * @pulumi/command by default and this only when asked (`executor: "dynamic"`).
 *
 * Pulumi keeps a dynamic resource's provider in the state of every such resource. Ours is one line
 * (providerModule) that loads the implementation (shellProvider.ts) from the installed package, so
 * each resource carries a few hundred bytes of provider instead of a copy of the SSH client's code.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { packageRoot } from "../packageRoot";
import type { SshTarget } from "./shellProvider";

export type { RunResult, SshTarget } from "./shellProvider";
export { runShell } from "./shellProvider";

export interface ShellCommandArgs {
    /** Where to run; omit to run on this machine. */
    connection?: pulumi.Input<SshTarget>;
    /** Command run on create; without it, creating runs nothing (a resource that only checks, on refresh). */
    create?: pulumi.Input<string>;
    /** Command run when inputs change (defaults to `create`). */
    update?: pulumi.Input<string>;
    /** Command run on destroy, from state alone. */
    delete?: pulumi.Input<string>;
    /** Standard input of create/update. */
    stdin?: pulumi.Input<string>;
    /**
     * Command run on refresh, from state alone: whatever it prints is drift, recorded on the resource
     * so that the next update runs `update` again (and prints nothing when the target matches), and
     * turned into a new `repairs` marker.
     */
    check?: pulumi.Input<string>;
    /** With these, `check` prints `<key>: <line>` and `repairs` is a marker per key (see ShellInputs.repairKeys). */
    repairKeys?: pulumi.Input<string[]>;
    /** Files the program on stdin stages, by path (secrets masked): shown line by line in `pulumi preview --diff`, kept in state once. */
    files?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The compiled implementation, relative to the package root (the stored provider looks for it there). */
const RELATIVE_IMPLEMENTATION = "bin/components/exec/shellProvider.js";

/** The compiled implementation, as the installed package (or this checkout, built) has it. */
const IMPLEMENTATION = path.join(packageRoot(), RELATIVE_IMPLEMENTATION);

/**
 * The provider module Pulumi keeps in every ShellCommand's state (`__provider`) and the `pulumi-nodejs`
 * provider loads (its `handler()` returns the provider). Written here rather than serialized from a
 * closure, which costs about 3 KB a resource: a few hundred bytes that load the implementation from
 * where the package was when the resource was last written, else (the package moved, e.g. a CI
 * clone) from the package as the engine's working directory finds it.
 */
export function providerModule(implementation: string = IMPLEMENTATION): string {
    const fix = "Run `npm ci` (or `npm run build`) in the redis-ha package";
    return (
        `exports.handler=()=>{const f=require("fs"),p=require("path"),r=${JSON.stringify(RELATIVE_IMPLEMENTATION)},` +
        `c=[${JSON.stringify(implementation)},p.join(process.cwd(),"node_modules/redis-ha",r),p.join(process.cwd(),r)],m=c.find((x)=>f.existsSync(x));` +
        `if(!m)throw new Error("redis-ha's SSH executor is not built: none of "+c.join(", ")+" exists. "+${JSON.stringify(fix)});return require(m).shellProvider;};`
    );
}

/** What every ShellCommand stores as its provider: the same text for all of them, made once. */
const PROVIDER_MODULE = providerModule();

/**
 * A shell command run over SSH or locally, managed like @pulumi/command's Command (see file header).
 * A dynamic resource (type `pulumi-nodejs:dynamic/redis-ha:ShellCommand`, served by Pulumi's
 * `pulumi-nodejs` provider), registered with its provider module as text (providerModule) instead of
 * through pulumi.dynamic.Resource, which would serialize a closure into each resource's state.
 */
export class ShellCommand extends pulumi.CustomResource {
    declare public readonly stdout: pulumi.Output<string>;
    declare public readonly stderr: pulumi.Output<string>;
    /** Undefined once created: only its digest is kept (see ShellOutputs). */
    declare public readonly stdin: pulumi.Output<string | undefined>;
    /** Drift reported by the last refresh (empty when the target matched). */
    declare public readonly drift: pulumi.Output<string | undefined>;
    declare public readonly stdinSha256: pulumi.Output<string | undefined>;
    /** Changes every time `create` or `update` runs. */
    declare public readonly runId: pulumi.Output<string>;
    /** With `check`: changes exactly when a refresh found drift; known in a preview (see ShellInputs.repairs). */
    declare public readonly repairs: pulumi.Output<string | Record<string, string>>;

    constructor(name: string, args: ShellCommandArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "pulumi-nodejs:dynamic/redis-ha:ShellCommand",
            name,
            { ...args, __provider: PROVIDER_MODULE, stdout: undefined, stderr: undefined, stdinSha256: undefined, filesSha256: undefined, drift: undefined, runId: undefined, repairs: undefined },
            // The program on stdin and the SSH key are secrets; keep them encrypted in state.
            { ...opts, additionalSecretOutputs: ["stdin", "stdinSha256", "connection"] },
        );
    }
}
