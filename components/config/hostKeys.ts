/**
 * SSH host keys: which keys a host may present, read the way OpenSSH reads them. Pure (text in,
 * keys out), except `readKnownHosts`, which only reads a file.
 *
 * Why: whoever answers on a host's address would otherwise get root commands and the Redis password.
 * Like ssh (and Ansible, which checks host keys by default), a host is trusted only with a key that
 * the stack names (`hosts[].hostKey`) or that the known_hosts file lists for its address.
 */
import * as crypto from "crypto";
import * as fs from "fs";

/** A host key as OpenSSH writes it: algorithm and base64 blob (`ssh-ed25519 AAAA...`). */
export interface HostKey {
    type: string;
    /** Base64 of the key in SSH wire format. */
    blob: string;
}

const KEY_TYPES = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;

/** Algorithms ssh prefers, most preferred first; the `command` executor can pin one key only. */
const PREFERENCE = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"];

/**
 * Parses `type base64` out of a host-key line in any of the forms users paste: `ssh-keyscan` output
 * and known_hosts lines (`host type base64 [comment]`), or the bare `type base64` of a .pub file.
 * Returns undefined when no key is found; the blob's own algorithm name must match `type`.
 */
export function parseHostKey(line: string): HostKey | undefined {
    const words = line.trim().split(/\s+/);
    const at = words.findIndex((w) => KEY_TYPES.test(w));
    if (at < 0 || at > 2) return undefined;
    const type = words[at] ?? "";
    const blob = words[at + 1] ?? "";
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return undefined;
    const raw = Buffer.from(blob, "base64");
    // The wire format starts with the algorithm name as a length-prefixed string.
    if (raw.length < 4) return undefined;
    const len = raw.readUInt32BE(0);
    if (raw.subarray(4, 4 + len).toString("latin1") !== type) return undefined;
    return { type, blob };
}

/** How known_hosts names a host: `addr` on port 22, `[addr]:port` otherwise. */
function knownHostsName(address: string, port: number): string {
    return port === 22 ? address : `[${address}]:${port}`;
}

/** One host pattern of a known_hosts line (plain, negated, wildcard or HashKnownHosts `|1|salt|hash`). */
function patternMatches(pattern: string, name: string): boolean {
    if (pattern.startsWith("|1|")) {
        const [, , salt, hash] = pattern.split("|");
        if (!salt || !hash) return false;
        return crypto.createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
    }
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
    return re.test(name);
}

/**
 * The keys `knownHosts` (a known_hosts file's text) lists for `address`:`port`, as ssh reads it:
 * comma-separated patterns, `!` negation, hashed names; `@revoked` and `@cert-authority` lines are not keys of the host.
 */
export function knownHostKeys(knownHosts: string, address: string, port: number): HostKey[] {
    const name = knownHostsName(address, port);
    const keys: HostKey[] = [];
    for (const line of knownHosts.split("\n")) {
        const trimmed = line.trim();
        if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith("@")) continue;
        const [patterns = "", ...rest] = trimmed.split(/\s+/);
        const list = patterns.split(",");
        if (list.some((p) => p.startsWith("!") && patternMatches(p.slice(1), name))) continue;
        if (!list.some((p) => !p.startsWith("!") && patternMatches(p, name))) continue;
        const key = parseHostKey(rest.join(" "));
        if (key && !keys.some((k) => k.blob === key.blob)) keys.push(key);
    }
    return keys;
}

/** The keys in ssh's order of preference (the `command` executor pins the first). */
export function preferredFirst(keys: HostKey[]): HostKey[] {
    const rank = (k: HostKey) => {
        const i = PREFERENCE.indexOf(k.type);
        return i < 0 ? PREFERENCE.length : i;
    };
    return [...keys].sort((a, b) => rank(a) - rank(b));
}

/** The text of a known_hosts file, or "" when there is none (like ssh, a missing file lists no key). */
export function readKnownHosts(file: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
        throw err;
    }
}
