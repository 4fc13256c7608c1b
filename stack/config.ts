/**
 * Reads a stack's config (`Pulumi.<env>.yaml`, namespace `redis-ha`) into RedisHaCluster args.
 * Only the stack program reads config; the components take plain args.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RedisHaClusterArgs } from "../components/redisHaCluster";
import { ClusterTopologyArgs, ConfigProblem, RedisHaConfigError, expandHome, passwordProblems, resolveClusterSpec } from "../components/config/validate";
import { TlsConfig, tlsFromConfig } from "./tlsConfig";
import { AclSettings, FrontendSettings, Host, MetricsSettings, RedisSettings, SentinelSettings } from "../components/config/types";
import { ServerKind } from "../components/config/defaults";

/** The parts of pulumi.Config this module uses, so that tests can hand in a plain object. */
export interface ConfigSource {
    get(key: string): string | undefined;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the shape of pulumi.Config.getObject
    getObject<T>(key: string): T | undefined;
    getNumber(key: string): number | undefined;
    getSecret(key: string): pulumi.Output<string> | undefined;
}

/** SSH settings as they appear in stack config. */
interface SshConfig {
    user?: string;
    port?: number;
    knownHostsFile?: string;
    insecureIgnoreHostKeys?: boolean;
    connectTimeout?: number;
    /** Path to the private key file; `~` is the home directory. */
    privateKeyPath?: string;
}

export { expandHome };

/**
 * `preview`: whether this run is a preview (default: the engine's). A preview tolerates an unreadable
 * SSH key file (only `up` connects); everything else is refused in both.
 */
export function clusterArgsFromConfig(config: ConfigSource, preview = pulumi.runtime.isDryRun()): RedisHaClusterArgs {
    const problems: ConfigProblem[] = [];
    const ssh = config.getObject<SshConfig>("ssh") ?? {};

    const password = config.getSecret("password");
    if (password === undefined) {
        problems.push({ field: "redis-ha:password", problem: "is not set", fix: "pipe it in, so it never shows in `ps`: `openssl rand -base64 24 | pulumi config set --secret redis-ha:password`" });
    } else {
        // The plain value is only looked at here, to refuse a weak password at preview; it is used as the secret above.
        problems.push(...passwordProblems("redis-ha:password", config.get("password") ?? ""));
    }

    let sshPrivateKey: pulumi.Input<string> | undefined = config.getSecret("sshPrivateKey");
    if (sshPrivateKey === undefined) {
        if (ssh.privateKeyPath === undefined) {
            problems.push({
                field: "redis-ha:ssh.privateKeyPath",
                problem: "no SSH key is configured",
                fix: "set `redis-ha:ssh: {privateKeyPath: ~/.ssh/id_ed25519}` or `pulumi config set --secret redis-ha:sshPrivateKey < key`",
            });
        } else {
            const keyPath = expandHome(ssh.privateKeyPath);
            try {
                const key = fs.readFileSync(keyPath, "utf8");
                if (PRIVATE_KEY.test(key)) {
                    sshPrivateKey = pulumi.secret(key);
                } else {
                    problems.push({
                        field: "redis-ha:ssh.privateKeyPath",
                        problem: `${keyPath} is not a private key${key.startsWith("ssh-") ? " (it is a public key)" : ""}`,
                        fix: `point it at the private key file (${keyPath.replace(/\.pub$/, "")} for ${path.basename(keyPath)}), whose public key is in the hosts' authorized_keys`,
                    });
                }
            } catch (err) {
                const code = (err as NodeJS.ErrnoException).code ?? String(err);
                // A PR pipeline previews without the key (only `up` connects): RedisHaCluster plans
                // without it and warns. Anything else about the key is wrong input, also in a preview.
                if (preview && (code === "ENOENT" || code === "EACCES")) {
                    void pulumi.log.warn(`redis-ha:ssh.privateKeyPath: cannot read ${keyPath} here (${code === "ENOENT" ? "no such file" : code})`);
                } else {
                    problems.push({
                        field: "redis-ha:ssh.privateKeyPath",
                        problem: `cannot read ${keyPath} (${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code})`,
                        fix: "point it at a readable private key file, e.g. ~/.ssh/id_ed25519, or create one with `ssh-keygen -t ed25519` and add its .pub to the hosts' authorized_keys",
                    });
                }
            }
        }
    }
    const executor = config.get("executor") ?? "command";
    if (executor !== "command" && executor !== "dynamic") {
        problems.push({ field: "redis-ha:executor", problem: `${JSON.stringify(executor)} is not an executor`, fix: 'use "command" (@pulumi/command, the default) or "dynamic" (no plugin needed)' });
    }
    // On/off settings: `true`/`false` in stack config (a string to Config), anything else named.
    const flag = (key: string): boolean => {
        const value = config.get(key);
        if (value !== undefined && value !== "true" && value !== "false") {
            problems.push({ field: `redis-ha:${key}`, problem: `${JSON.stringify(value)} is not true or false`, fix: "set it to true or false (default false)" });
        }
        return value === "true";
    };
    const allowUnsafeTopology = flag("allowUnsafeTopology");
    const hostTuning = flag("hostTuning");
    const hosts = config.getObject<Host[]>("hosts") ?? [];
    const tls = tlsFromConfig(
        config.getObject<TlsConfig>("tls"),
        hosts.map((h) => h?.name).filter((n): n is string => typeof n === "string"),
        problems,
    );

    const topology: ClusterTopologyArgs = {
        clusterName: config.get("clusterName") ?? pulumi.getStack(),
        hosts,
        master: config.get("master") ?? "",
        replicas: config.getObject<string[]>("replicas") ?? [],
        sentinels: config.getObject<string[]>("sentinels") ?? [],
        quorum: config.getNumber("quorum"),
        redisPort: config.getNumber("redisPort"),
        sentinelPort: config.getNumber("sentinelPort"),
        redis: config.getObject<RedisSettings>("redis"),
        sentinel: config.getObject<SentinelSettings>("sentinel"),
        acl: config.getObject<AclSettings>("acl"),
        frontend: config.getObject<FrontendSettings>("frontend"),
        metrics: config.getObject<MetricsSettings>("metrics"),
        ...tls,
        ssh: { user: ssh.user, port: ssh.port, knownHostsFile: ssh.knownHostsFile, insecureIgnoreHostKeys: ssh.insecureIgnoreHostKeys, connectTimeout: ssh.connectTimeout },
        ipAllowList: config.getObject<string[]>("ipAllowList"),
        allowUnsafeTopology,
        hostTuning,
        // Checked by resolveClusterSpec, which names the field and the values it takes.
        server: config.get("server") as ServerKind | undefined,
    };
    if (problems.length > 0 || password === undefined || (sshPrivateKey === undefined && !preview)) {
        // Report the topology's problems in the same message, so one preview shows everything to fix.
        try {
            resolveClusterSpec(topology);
        } catch (err) {
            if (!(err instanceof RedisHaConfigError)) throw err;
            problems.push(...err.problems);
        }
        throw new RedisHaConfigError(problems);
    }

    return {
        ...topology,
        executor: executor === "dynamic" ? "dynamic" : "command",
        password,
        sshPrivateKey,
    };
}

/** PEM / OpenSSH private key text (public keys and other files are refused at preview). */
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
