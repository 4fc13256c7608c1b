/**
 * Passwords of the ACL users. Pure: the cluster password in, the users' credentials out.
 *
 * Why derived rather than two more secrets to set: nothing new to generate, store or rotate (a new
 * cluster password rotates them too), and HMAC is one-way, so the replication password (which every
 * data node must hold in plaintext as `masterauth`) and the Sentinel one (held by every sentinel as
 * `auth-pass`) reveal neither the cluster password nor each other. Whoever has the cluster password
 * is the admin and could set any user's password anyway, so deriving from it grants nothing more.
 */
import * as crypto from "crypto";
import { AclSpec } from "./spec";
import { ACL_RULES } from "./defaults";

/** One ACL user's name and password. */
export interface AclCredential {
    user: string;
    password: string;
}

export interface AclCredentials {
    replication: AclCredential;
    sentinel: AclCredential;
}

/** The password of `user` in `clusterName`: HMAC-SHA256 keyed with the cluster password, base64url (43 characters, 256 bits). */
export function derivedPassword(password: string, clusterName: string, user: string): string {
    return crypto.createHmac("sha256", password).update(`redis-ha/${clusterName}/acl/${user}`).digest("base64url");
}

export function aclCredentials(acl: AclSpec, password: string, clusterName: string): AclCredentials {
    return {
        replication: { user: acl.replicationUser, password: derivedPassword(password, clusterName, acl.replicationUser) },
        sentinel: { user: acl.sentinelUser, password: derivedPassword(password, clusterName, acl.sentinelUser) },
    };
}

/** A password's SHA-256 in hex: what Redis keeps of it (ACL GETUSER lists these). */
export function passwordSha256(password: string): string {
    return crypto.createHash("sha256").update(password, "utf8").digest("hex");
}

/** How redis.conf names a password without holding it: `#` and its SHA-256 in hex (what Redis stores and ACL LIST shows). */
export function aclPasswordHash(password: string): string {
    return `#${passwordSha256(password)}`;
}

/** Every user of a data node and its rules: `default` (the admin) and the replication and Sentinel users. */
export function aclUserRules(acl: AclSpec): Array<{ user: string; rules: string }> {
    return [
        { user: "default", rules: ACL_RULES.admin },
        { user: acl.replicationUser, rules: ACL_RULES.replication },
        { user: acl.sentinelUser, rules: ACL_RULES.sentinel },
    ];
}

/** Every user of a data node and its password: `default` (the admin: the cluster password) and, with ACL users, the replication and Sentinel users. */
export function dataNodeLogins(acl: AclSpec | undefined, password: string, clusterName: string): AclCredential[] {
    const admin = { user: "default", password };
    if (!acl) return [admin];
    const { replication, sentinel } = aclCredentials(acl, password, clusterName);
    return [admin, replication, sentinel];
}

/** The password replicas log in to their master with (`masterauth`): the cluster password, or with ACL users the replication user's. */
export function replicationPassword(acl: AclSpec | undefined, password: string, clusterName: string): string {
    return acl ? aclCredentials(acl, password, clusterName).replication.password : password;
}
