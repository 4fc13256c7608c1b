/**
 * A deployed cluster as the operator commands see it: the stack's own config (what `pulumi up -s
 * <stack>` reads, validated the same way), the password and SSH key, and the trusted host keys.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { ConfigMap, LocalWorkspace } from "@pulumi/pulumi/automation";
import { ClusterSpec, HostSpec } from "../components/config/spec";
import { HostKey } from "../components/config/hostKeys";
import { RedisHaConfigError, expandHome, resolveClusterSpec } from "../components/config/validate";
import { RunResult, runShell } from "../components/exec/shellCommand";
import { OperatorProgram, STEP_COMMAND, standaloneCommand, stepProgram } from "../components/remote/payload";
import { CheckInputs, ProgramInputs } from "../components/remote/inputs";
import { sshTarget, trustedHostKeys } from "../components/ssh";
import { ConfigSource, clusterArgsFromConfig } from "../stack/config";

export interface OperatedCluster {
    stackName: string;
    spec: ClusterSpec;
    password: string;
    privateKey: string;
    /** Trusted keys by host name; undefined when the stack turned host key checks off. */
    hostKeys: Map<string, HostKey[]> | undefined;
}

/** Reads stack `stackName` of the Pulumi project in `workDir` (its backend and passphrase as for `pulumi`). */
export async function loadStackCluster(stackName: string, workDir: string): Promise<OperatedCluster> {
    const ws = await LocalWorkspace.create({ workDir });
    const values = await ws.getAllConfig(stackName);
    // Validation as in `pulumi up`: a bad stack config is refused here with the same problem list.
    const args = clusterArgsFromConfig(configSource(values, stackName), false);
    const spec = resolveClusterSpec(args);
    const raw = (key: string) => configValue(values, key);
    const sshPath = (JSON.parse(raw("ssh") ?? "{}") as { privateKeyPath?: string }).privateKeyPath;
    const privateKey = raw("sshPrivateKey") ?? fs.readFileSync(expandHome(sshPath ?? ""), "utf8");
    let hostKeys: Map<string, HostKey[]> | undefined;
    if (spec.ssh.verifyHostKeys) {
        const trusted = trustedHostKeys(spec);
        if (trusted.problems.length > 0) throw new RedisHaConfigError(trusted.problems);
        hostKeys = trusted.keys;
    }
    return { stackName, spec, password: raw("password") ?? "", privateKey, hostKeys };
}

/** A `redis-ha:` value of the stack's config, as stored (objects as JSON). */
const configValue = (values: ConfigMap, key: string) => values[`redis-ha:${key}`]?.value;

/** The stack's config values as pulumi.Config would give them to the stack program. */
function configSource(values: ConfigMap, stackName: string): ConfigSource {
    const raw = (key: string) => configValue(values, key);
    return {
        // The stack program's default cluster name is the stack's name.
        get: (key) => raw(key) ?? (key === "clusterName" ? stackName : undefined),
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the shape of pulumi.Config.getObject
        getObject: <T>(key: string) => {
            const value = raw(key);
            return value === undefined ? undefined : (JSON.parse(value) as T);
        },
        getNumber: (key) => {
            const value = raw(key);
            return value === undefined ? undefined : Number(value);
        },
        getSecret: (key) => {
            const value = raw(key);
            return value === undefined ? undefined : pulumi.secret(value);
        },
    };
}

/** Runs an operator program on `host`, the password on stdin (REDISCLI_AUTH), as the steps do. */
export function runProgram<P extends OperatorProgram>(cluster: OperatedCluster, host: HostSpec, program: P, vars: ProgramInputs[P]): Promise<RunResult> {
    return runShell(target(cluster, host), STEP_COMMAND, stepProgram(program, vars, cluster.password));
}

/** Runs the drift check of one of our services on `host` (no secret). */
export function runCheck(cluster: OperatedCluster, host: HostSpec, vars: CheckInputs): Promise<RunResult> {
    return runShell(target(cluster, host), standaloneCommand("check", vars), undefined);
}

function target(cluster: OperatedCluster, host: HostSpec) {
    return sshTarget(cluster.spec, host, cluster.privateKey, cluster.hostKeys ? (cluster.hostKeys.get(host.name) ?? []) : undefined);
}
