/**
 * The config comparison the remote steps rely on (remote/lib.sh), run in bash: a file that CONFIG
 * REWRITE or Sentinel rewrote is not drift; a hand edit of a directive we manage is.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as crypto from "crypto";
import { execFileSync } from "child_process";
import { ROOT } from "../../lab/automation";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-lib-"));

function lib(script: string, files: Record<string, string>): string {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return execFileSync("bash", ["-c", `set -euo pipefail; cd '${dir}'; source '${ROOT}/remote/lib.sh'; ${script}`], { encoding: "utf8" });
}

// As we render it, and as Redis 7.0's CONFIG REWRITE writes it back after a failover (quoted paths,
// `save` split over lines, replicaof and users added).
const RENDERED = `# Managed by redis-ha
port 6389
pidfile /run/redis-ha-lab-server/redis.pid
dir /var/lib/redis-ha/lab
save "3600 1 300 100 60 10000"
maxmemory 64mb
requirepass "pa ss\\"word"
`;
const REWRITTEN = `port 6389
pidfile "/run/redis-ha-lab-server/redis.pid"
dir "/var/lib/redis-ha/lab"
save 3600 1
maxmemory 64mb
requirepass "pa ss\\"word"
replicaof 10.177.77.13 6389

save 300 100
save 60 10000
user default on #0123 ~* &* +@all
`;

describe("remote/lib.sh config comparison", () => {
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("sees no difference between our rendering and Redis's rewrite of it", () => {
        assert.strictEqual(lib("conf_differences rendered.conf rewritten.conf", { "rendered.conf": RENDERED, "rewritten.conf": REWRITTEN }), "");
    });

    it("reads Valkey's rewrite of masterauth and masteruser (primaryauth, primaryuser) as the same directives", () => {
        const ours = `${RENDERED}masteruser repl\nmasterauth "pa ss\\"word"\n`;
        const valkey = `${REWRITTEN}primaryuser "repl"\nprimaryauth "pa ss\\"word"\n`;
        assert.strictEqual(lib("conf_differences ours.conf valkey.conf", { "ours.conf": ours, "valkey.conf": valkey }), "");
        assert.strictEqual(lib("conf_differences ours.conf edited.conf", { "ours.conf": ours, "edited.conf": valkey.replace("primaryauth", "primaryauth x") }).trim(), "masterauth");
        assert.strictEqual(lib("conf_value valkey.conf masterauth", { "valkey.conf": valkey }), 'pa ss"word');
    });

    it("names each managed directive edited by hand, and one that is missing", () => {
        const edited = REWRITTEN.replace("maxmemory 64mb", "maxmemory 1mb").replace("save 60 10000\n", "");
        const out = lib("conf_differences rendered.conf edited.conf | sort", { "rendered.conf": RENDERED, "edited.conf": edited.replace('dir "/var/lib/redis-ha/lab"\n', "") });
        assert.deepStrictEqual(out.trim().split("\n"), ["dir", "maxmemory", "save"]);
    });

    it("tolerates Sentinel dropping its default tunables, but not a changed quorum", () => {
        const ours = "sentinel monitor lab 10.0.0.1 6389 2\nsentinel parallel-syncs lab 1\nsentinel down-after-milliseconds lab 3000\n";
        const sentinels = "sentinel monitor lab 10.0.0.9 6389 2\nsentinel down-after-milliseconds lab 3000\nsentinel myid abc\n";
        assert.strictEqual(lib("conf_differences ours.conf theirs.conf yes", { "ours.conf": ours, "theirs.conf": sentinels }), "");
        const quorum = sentinels.replace("6389 2", "6389 3");
        assert.strictEqual(lib("conf_differences ours.conf theirs.conf yes", { "ours.conf": ours, "theirs.conf": quorum }).trim(), "sentinel monitor lab");
    });

    it("sees ACL users as CONFIG REWRITE writes them back (rules reordered, resetkeys dropped, sanitize-payload added) as unchanged, and a new password hash as a change", () => {
        const h = "#30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4";
        const ours = [
            `user default on ${h} ~* &* +@all`,
            `user redis-ha-replication on ${h} resetkeys resetchannels -@all +psync +replconf +ping`,
            `user redis-ha-sentinel on ${h} resetkeys resetchannels &__sentinel__:hello -@all +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill`,
        ].join("\n");
        // Redis 7.0.15's CONFIG REWRITE of exactly those lines.
        const rewritten = [
            `user default on sanitize-payload ${h} ~* &* +@all`,
            `user redis-ha-replication on ${h} resetchannels -@all +replconf +psync +ping`,
            `user redis-ha-sentinel on ${h} resetchannels &__sentinel__:hello -@all +slaveof +config|rewrite +exec +role +script|kill +multi +client|kill +client|setname +ping +publish +info +subscribe`,
        ].join("\n");
        assert.strictEqual(lib("conf_differences ours.conf rewritten.conf", { "ours.conf": `${ours}\n`, "rewritten.conf": `${rewritten}\n` }), "");
        const rotated = rewritten.replace(`default on sanitize-payload ${h}`, `default on sanitize-payload #${"0".repeat(64)}`);
        assert.strictEqual(lib("conf_differences ours.conf rotated.conf", { "ours.conf": `${ours}\n`, "rotated.conf": `${rotated}\n` }).trim(), "user");
    });

    it("keeps granting a rotation's old passwords in a file it writes: on each user's line, or a `user default` line with the new admin password too", () => {
        const sha = (p: string) => crypto.createHash("sha256").update(p).digest("hex");
        const grant = (conf: string, extra: string) => lib(`export REDISCLI_AUTH=new-admin; grant_passwords "$(cat extra)" <conf`, { conf, extra });
        assert.strictEqual(grant("requirepass new-admin\nmasterauth new-admin\n", ""), "requirepass new-admin\nmasterauth new-admin\n");
        assert.strictEqual(
            grant("requirepass new-admin\nmasterauth new-admin\n", "default #aaa\n"),
            `requirepass new-admin\nmasterauth new-admin\nuser default on #${sha("new-admin")} #aaa ~* &* +@all\n`,
        );
        assert.strictEqual(
            grant("user default on #n1 ~* &* +@all\nuser repl on #n2 -@all +psync\nmasteruser repl\n", "default #o1\nrepl #o2\n"),
            "user default on #o1 #n1 ~* &* +@all\nuser repl on #o2 #n2 -@all +psync\nmasteruser repl\n",
        );
    });

    it("reads a quoted value back exactly (the removal step reads the password this way)", () => {
        assert.strictEqual(lib("conf_value rendered.conf requirepass", { "rendered.conf": RENDERED }), 'pa ss"word');
    });
});
