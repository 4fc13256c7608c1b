/**
 * TLS: checks of the certificates an operator hands in, and where their files live on a host. Pure:
 * certificates are public PEM text; private keys never come through here.
 */
import * as crypto from "crypto";
import { TLS_DEFAULTS } from "./defaults";
import { ClusterSpec, HostSpec, TlsSpec } from "./spec";
import { TlsAuthClients, TlsSettings } from "./types";

type Report = (field: string, problem: string, fix: string) => void;

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const AUTH_CLIENTS = Object.values(TlsAuthClients);

function parseCertificate(pem: unknown): crypto.X509Certificate | undefined {
    if (typeof pem !== "string" || !pem.includes("-----BEGIN CERTIFICATE-----")) return undefined;
    try {
        return new crypto.X509Certificate(pem);
    } catch {
        return undefined;
    }
}

/**
 * Checks `tls` against the hosts: a CA, and for every host a certificate the CA signed, valid now,
 * naming the host's announce IP and usable as server and client. Returns the spec, or undefined.
 */
export function resolveTlsSettings(tls: TlsSettings | undefined, hosts: HostSpec[], report: Report, now: Date = new Date()): TlsSpec | undefined {
    if (tls === undefined) return undefined;
    if (typeof tls !== "object" || tls === null) {
        report("tls", `${JSON.stringify(tls)} is not an object`, "set `tls: { caCert, certificates }`, or leave it out for plaintext");
        return undefined;
    }
    const authClients = tls.authClients ?? TLS_DEFAULTS.authClients;
    if (!AUTH_CLIENTS.includes(authClients)) {
        report("tls.authClients", `${JSON.stringify(authClients)} is not allowed`, `use one of ${AUTH_CLIENTS.join(", ")}`);
    }
    const ca = parseCertificate(tls.caCert);
    if (!ca) {
        report("tls.caCert", "is not a PEM certificate", "give the CA certificate (-----BEGIN CERTIFICATE-----) that signed the hosts' certificates");
    } else if (!ca.ca) {
        report("tls.caCert", `${ca.subject.replace(/\n/g, ", ")} is not a CA certificate (no basicConstraints CA:TRUE)`, "give the certificate of the CA that issued the hosts' certificates");
    }
    const certificates = tls.certificates ?? {};
    if (typeof certificates !== "object" || certificates === null) {
        report("tls.certificates", "is not a map of host name to certificate", "set `tls.certificates: { <host name>: <PEM> }` for every host");
        return undefined;
    }
    const known = new Set(hosts.map((h) => h.name));
    for (const name of Object.keys(certificates)) {
        if (!known.has(name)) report(`tls.certificates.${name}`, `names no host in \`hosts\``, `use the host names of \`hosts\` (${[...known].join(", ")})`);
    }
    for (const host of hosts) {
        const field = `tls.certificates.${host.name}`;
        const pem = certificates[host.name];
        if (pem === undefined) {
            report(field, "is missing", `issue a certificate for ${host.name} (subjectAltName IP:${host.announceAddress}) signed by tls.caCert`);
            continue;
        }
        const cert = parseCertificate(pem);
        if (!cert) {
            report(field, "is not a PEM certificate", "give the host's certificate (-----BEGIN CERTIFICATE-----)");
            continue;
        }
        if (ca && !(cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
            report(field, `was not issued by tls.caCert (issuer: ${cert.issuer.replace(/\n/g, ", ")})`, "issue it with the CA given in tls.caCert, or give that CA");
        }
        if (cert.checkIP(host.announceAddress) === undefined) {
            report(field, `does not name ${host.announceAddress} in its subjectAltName (clients connect to the IP Sentinel announces)`, `reissue it with subjectAltName IP:${host.announceAddress}`);
        }
        if (new Date(cert.validTo).getTime() <= now.getTime()) {
            report(field, `expired on ${cert.validTo}`, "renew it");
        } else if (new Date(cert.validFrom).getTime() > now.getTime()) {
            report(field, `is not valid before ${cert.validFrom}`, "use a certificate that is valid now");
        }
        const usages = cert.keyUsage;
        if (Array.isArray(usages) && usages.length > 0 && !(usages.includes(SERVER_AUTH) && usages.includes(CLIENT_AUTH))) {
            report(field, "is not allowed for both serverAuth and clientAuth (nodes present it to each other as clients too)", "reissue it with extendedKeyUsage serverAuth, clientAuth");
        }
    }
    return { caCert: tls.caCert, certificates: { ...certificates }, authClients };
}

export type TlsService = "server" | "sentinel";

/** Where one service's TLS files are on `host`. The names carry a digest of the certificates, so new certificates are a changed directive. */
export interface TlsFiles {
    dir: string;
    caCertFile: string;
    certFile: string;
    keyFile: string;
}

export function tlsFiles(spec: ClusterSpec, host: HostSpec, service: TlsService): TlsFiles | undefined {
    if (!spec.tls) return undefined;
    const dir = service === "server" ? spec.paths.redisTlsDir : spec.paths.sentinelTlsDir;
    const digest = crypto
        .createHash("sha256")
        .update(spec.tls.caCert)
        .update("\0")
        .update(spec.tls.certificates[host.name] ?? "")
        .digest("hex")
        .slice(0, 12);
    return { dir, caCertFile: `${dir}/ca-${digest}.crt`, certFile: `${dir}/node-${digest}.crt`, keyFile: `${dir}/node-${digest}.key` };
}
