import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { SSH_CONNECT_ATTEMPTS } from "./config/defaults";
import { HostKey, knownHostKeys, preferredFirst, readKnownHosts } from "./config/hostKeys";
import { ClusterSpec, HostSpec } from "./config/spec";
import { ConfigProblem } from "./config/validate";
import { SshTarget } from "./exec/shellCommand";

/** The keys each host is trusted with, by host name, and what is missing. */
export interface TrustedHostKeys {
    keys: Map<string, HostKey[]>;
    /** Hosts with no known key (only when keys are verified). */
    problems: ConfigProblem[];
}

/**
 * Which keys each host may present: `hosts[].hostKey` when the stack gives one, else what the
 * known_hosts file lists for its SSH address and port (ssh's rule). `knownHosts` is the file's text.
 */
export function trustedHostKeys(spec: ClusterSpec, knownHosts: string = readKnownHosts(spec.ssh.knownHostsFile)): TrustedHostKeys {
    const keys = new Map<string, HostKey[]>();
    const problems: ConfigProblem[] = [];
    if (!spec.ssh.verifyHostKeys) return { keys, problems };
    spec.hosts.forEach((host, i) => {
        const found = host.hostKeys.length > 0 ? host.hostKeys : knownHostKeys(knownHosts, host.sshHost, host.sshPort);
        if (found.length === 0) {
            const target = host.sshPort === 22 ? host.sshHost : `-p ${host.sshPort} ${host.sshHost}`;
            problems.push({
                field: `hosts[${i}].hostKey`,
                problem: `no SSH host key is known for ${host.name} (${host.sshHost}:${host.sshPort}): not set, and ${spec.ssh.knownHostsFile} lists none`,
                fix: `run \`ssh-keyscan -t ed25519 ${target}\`, check the fingerprint against the host's console, and set the line as hosts[${i}].hostKey (or add it to ${spec.ssh.knownHostsFile})`,
            });
        }
        keys.set(host.name, preferredFirst(found));
    });
    return { keys, problems };
}

/** `type base64` lines, the form both executors take. */
const keyLines = (keys: HostKey[] | undefined) => (keys ?? []).map((k) => `${k.type} ${k.blob}`);

/**
 * The SSH connection to `host` for @pulumi/command. The key is always a secret; the host key is
 * pinned (remote.Command takes one, ssh's preferred type); a host that does not answer fails after
 * SSH_CONNECT_ATTEMPTS dials of `ssh.connectTimeout` seconds. No previous output in the environment:
 * sshd refuses variables it does not AcceptEnv and every run would warn.
 */
export function commandConnection(spec: ClusterSpec, host: HostSpec, privateKey: pulumi.Input<string>, hostKeys: HostKey[] | undefined): command.types.input.remote.ConnectionArgs {
    const pinned = keyLines(hostKeys)[0];
    return {
        host: host.sshHost,
        port: host.sshPort,
        user: host.sshUser,
        privateKey: pulumi.secret(privateKey),
        ...(pinned ? { hostKey: pinned } : {}),
        dialErrorLimit: SSH_CONNECT_ATTEMPTS,
        perDialTimeout: spec.ssh.connectTimeout,
    };
}

/** The same connection for redis-ha's ShellCommand (every trusted key, none checked when `hostKeys` is undefined; errors name the host). */
export function shellConnection(spec: ClusterSpec, host: HostSpec, privateKey: pulumi.Input<string>, hostKeys: HostKey[] | undefined): pulumi.Output<SshTarget> {
    return pulumi.secret(pulumi.output(privateKey).apply((key) => sshTarget(spec, host, key, hostKeys)));
}

/** The connection itself, for a key in hand (the operator commands). */
export function sshTarget(spec: ClusterSpec, host: HostSpec, privateKey: string, hostKeys: HostKey[] | undefined): SshTarget {
    return {
        name: host.name,
        host: host.sshHost,
        port: host.sshPort,
        user: host.sshUser,
        privateKey,
        ...(hostKeys ? { hostKeys: keyLines(hostKeys) } : {}),
        connectTimeout: spec.ssh.connectTimeout,
        connectAttempts: SSH_CONNECT_ATTEMPTS,
    };
}
