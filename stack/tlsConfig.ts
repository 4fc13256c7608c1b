/**
 * `redis-ha:tls` in stack config: files on the machine running Pulumi (like `ssh.privateKeyPath`),
 * read into the component's `tls` (certificates, public) and `tlsPrivateKeys` (a secret).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem } from "../components/config/validate";
import { TlsSettings } from "../components/config/types";
import { expandHome } from "./config";

/** TLS settings as they appear in stack config. `{host}` in a path is replaced by each host's name. */
export interface TlsConfig {
    /** CA certificate (PEM file). */
    caCertFile?: string;
    /** Each host's certificate (PEM file), e.g. "pki/{host}.crt". */
    certFile?: string;
    /** Each host's private key (PEM file), e.g. "pki/{host}.key". Read into a Pulumi secret. */
    keyFile?: string;
    /** `tls-auth-clients`: yes (default), optional or no. */
    authClients?: TlsSettings["authClients"];
}

export function tlsFromConfig(
    tls: TlsConfig | undefined,
    hostNames: string[],
    problems: ConfigProblem[],
): { tls?: TlsSettings; tlsPrivateKeys?: pulumi.Output<Record<string, string>> } {
    if (tls === undefined) return {};
    const read = (field: string, file: string | undefined, what: string): string | undefined => {
        if (typeof file !== "string" || file === "") {
            problems.push({ field: `redis-ha:tls.${field}`, problem: "is not set", fix: `set it to the ${what} (a PEM file; {host} stands for each host's name)` });
            return undefined;
        }
        try {
            return fs.readFileSync(expandHome(file), "utf8");
        } catch (err) {
            problems.push({ field: `redis-ha:tls.${field}`, problem: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, fix: `point it at the ${what}` });
            return undefined;
        }
    };
    const caCert = read("caCertFile", tls.caCertFile, "CA certificate") ?? "";
    const certificates: Record<string, string> = {};
    const keys: Record<string, string> = {};
    for (const host of hostNames) {
        const cert = read("certFile", tls.certFile?.replace(/\{host\}/g, host), `certificate of ${host}`);
        const key = read("keyFile", tls.keyFile?.replace(/\{host\}/g, host), `private key of ${host}'s certificate`);
        if (cert === undefined || key === undefined) continue;
        certificates[host] = cert;
        keys[host] = key;
        // The certificates themselves are checked by the component; here only that each key is the certificate's.
        try {
            if (!new crypto.X509Certificate(cert).checkPrivateKey(crypto.createPrivateKey(key))) {
                problems.push({ field: "redis-ha:tls.keyFile", problem: `the key for ${host} does not belong to its certificate`, fix: `give the private key the certificate of ${host} was issued for` });
            }
        } catch {
            // Unparsable PEM: reported by the component's certificate checks, or by Redis for the key.
        }
    }
    return { tls: { caCert, certificates, authClients: tls.authClients }, tlsPrivateKeys: pulumi.secret(keys) };
}
