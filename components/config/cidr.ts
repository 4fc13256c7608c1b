/**
 * IP prefixes (CIDRs) as systemd's `IPAddressAllow=` takes them. Pure, so a typo in `ipAllowList`
 * fails preview instead of a unit that silently drops a client's traffic.
 */
import * as net from "net";

/** A checked prefix: `text` is what goes into the unit. */
export type CidrCheck = { ok: true; text: string } | { ok: false; problem: string; fix: string };

const PREFIX = /^[0-9]{1,3}$/;

/** Parses "10.0.0.0/8", "fd00::/8" or a single address (taken as /32 or /128). */
export function checkCidr(value: unknown): CidrCheck {
    if (typeof value !== "string" || value.trim() === "") {
        return { ok: false, problem: `${JSON.stringify(value)} is not an IP prefix`, fix: 'write it as "<address>/<prefix length>", e.g. "10.0.0.0/8" or "192.168.1.20/32"' };
    }
    const [address = "", prefix, ...rest] = value.split("/");
    const family = net.isIP(address);
    if (family === 0 || rest.length > 0) {
        return { ok: false, problem: `${JSON.stringify(value)} is not an IP prefix (${JSON.stringify(address)} is not an IP address)`, fix: 'write it as "<address>/<prefix length>", e.g. "10.0.0.0/8" or "fd00::/8"' };
    }
    const bits = family === 4 ? 32 : 128;
    if (prefix === undefined) return { ok: true, text: address };
    if (!PREFIX.test(prefix) || Number(prefix) > bits) {
        return { ok: false, problem: `${JSON.stringify(value)} has prefix length ${JSON.stringify(prefix)}, which is not 0-${bits}`, fix: `use a prefix length from 0 to ${bits} for an IPv${family} address` };
    }
    const length = Number(prefix);
    const value128 = family === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
    const hostMask = (1n << BigInt(bits - length)) - 1n;
    if ((value128 & hostMask) !== 0n) {
        const network = value128 & ~hostMask;
        const suggestion = `${family === 4 ? bigIntToIpv4(network) : bigIntToIpv6(network)}/${length}`;
        return {
            ok: false,
            problem: `${JSON.stringify(value)} has host bits set, so it does not say which network is meant`,
            fix: `write the network address, ${JSON.stringify(suggestion)}, or a single address as "${address}/${bits}"`,
        };
    }
    return { ok: true, text: `${address}/${length}` };
}

function ipv4ToBigInt(address: string): bigint {
    return address.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function bigIntToIpv4(value: bigint): string {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

function ipv6ToBigInt(address: string): bigint {
    // An embedded IPv4 tail (::ffff:10.0.0.1) is two 16-bit groups.
    let text = address;
    const lastColon = text.lastIndexOf(":");
    const tail = text.slice(lastColon + 1);
    if (tail.includes(".")) {
        const v4 = ipv4ToBigInt(tail);
        text = `${text.slice(0, lastColon + 1)}${((v4 >> 16n) & 0xffffn).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head = "", rest] = text.split("::");
    const headGroups = head === "" ? [] : head.split(":");
    const tailGroups = rest === undefined || rest === "" ? [] : rest.split(":");
    const zeros = rest === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill("0");
    return [...headGroups, ...zeros, ...tailGroups].reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function bigIntToIpv6(value: bigint): string {
    const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
    return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}
