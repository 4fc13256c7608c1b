/**
 * Reads a stack's config (`Pulumi.<env>.yaml`, namespace `redis-ha`) into RedisHaCluster args.
 * Only the stack program reads config; the components take plain args.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RedisHaClusterArgs } from "../components/redisHaCluster";
import { ConfigProblem, RedisHaConfigError } from "../components/config/validate";
import { TlsConfig, tlsFromConfig } from "./tlsConfig";
import { AclSettings, HostArgs, RedisSettings, SentinelSettings } from "../components/config/types";

/** The parts of pulumi.Config this module uses, so that tests can hand in a plain object. */
export interface ConfigSource {
    get(key: string): string | undefined;
    getObject<T>(key: string): T | undefined;
    getNumber(key: string): number | undefined;
    getSecret(key: string): pulumi.Output<string> | undefined;
}

/** SSH settings as they appear in stack config. */
interface SshConfig {
    user?: string;
    port?: number;
    /** Path to the private key file; `~` is the home directory. */
    privateKeyPath?: string;
}

export function expandHome(p: string): string {
    return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

export function clusterArgsFromConfig(config: ConfigSource): RedisHaClusterArgs {
    const problems: ConfigProblem[] = [];
    const ssh = config.getObject<SshConfig>("ssh") ?? {};

    const password = config.getSecret("password");
    if (password === undefined) {
        problems.push({ field: "redis-ha:password", problem: "is not set", fix: "pipe it in, so it never shows in `ps`: `openssl rand -base64 24 | pulumi config set --secret redis-ha:password`" });
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
                sshPrivateKey = pulumi.secret(fs.readFileSync(keyPath, "utf8"));
            } catch (err) {
                problems.push({
                    field: "redis-ha:ssh.privateKeyPath",
                    problem: `cannot read ${keyPath} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
                    fix: "point it at a readable private key file",
                });
            }
        }
    }
    const executor = config.get("executor") ?? "command";
    if (executor !== "command" && executor !== "dynamic") {
        problems.push({ field: "redis-ha:executor", problem: `${JSON.stringify(executor)} is not an executor`, fix: 'use "command" (@pulumi/command, the default) or "dynamic" (no plugin needed)' });
    }
    const hosts = config.getObject<HostArgs[]>("hosts") ?? [];
    const tls = tlsFromConfig(
        config.getObject<TlsConfig>("tls"),
        hosts.map((h) => h?.name).filter((n): n is string => typeof n === "string"),
        problems,
    );
    if (problems.length > 0 || password === undefined || sshPrivateKey === undefined) {
        throw new RedisHaConfigError(problems);
    }

    return {
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
        ...tls,
        ssh: { user: ssh.user, port: ssh.port },
        executor: executor === "dynamic" ? "dynamic" : "command",
        password,
        sshPrivateKey,
    };
}
