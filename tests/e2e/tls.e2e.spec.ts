/**
 * TLS, on the real engine and a real lab: with `tls` set (a CA and per-host certificates made with
 * openssl for the test), the server (Debian 12's Redis; with REDIS_HA_IMAGES=…,trixie-valkey-tls also
 * Debian 13's Valkey) and Sentinel listen on TLS only, refuse plaintext and clients without
 * a certificate, replicate and gossip over TLS, fail over, and serve ioredis over TLS through Sentinel.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import Redis from "ioredis";
import { Stack } from "@pulumi/pulumi/automation";
import { Pki, makePki } from "../fixtures/pki";
import { TestLab, createTestLab, eventually, field, labLeftovers, notRun, onHost } from "./labHarness";

const LAB = "rhttls";
const CLUSTER = "lab";
const REDIS_PORT = 6389;
const SENTINEL_PORT = 26389;
/** Where the test's client certificate is put on each host. */
const CLIENT_DIR = "/root/rh-tls-client";
const TLS_FLAGS = `--tls --cacert ${CLIENT_DIR}/ca.crt --cert ${CLIENT_DIR}/client.crt --key ${CLIENT_DIR}/client.key`;

interface TlsEntry {
    /** Its name in REDIS_HA_IMAGES (absent: runs always, as the rest of the Debian 12 suite). */
    id?: string;
    server: "redis" | "valkey";
    imageVar: "LAB_IMAGE" | "LAB_IMAGE_TRIXIE";
    lab: string;
    subnet: string;
}

const ENTRIES: TlsEntry[] = [
    { server: "redis", imageVar: "LAB_IMAGE", lab: LAB, subnet: "10.177.86" },
    // Valkey 8.1 on Debian 13: opt-in, to keep the default run within CI's time.
    { id: "trixie-valkey-tls", server: "valkey", imageVar: "LAB_IMAGE_TRIXIE", lab: "rhttlv", subnet: "10.177.72" },
];
const wanted = (process.env.REDIS_HA_IMAGES ?? "").split(",").map((s) => s.trim());

for (const entry of ENTRIES) {
    describe(`TLS on every ${entry.server} and Sentinel port (tls, real lab${entry.id ? `, ${entry.id}` : ""})`, function () {
        this.timeout(15 * 60 * 1000);
        let lab: TestLab;
        let stack: Stack;
        let pki: Pki;

        /** redis-cli on a host; `flags` choose TLS or not; error replies and connection failures are returned, not thrown. */
        const cli = (container: string, flags: string, port: number, ...args: string[]) =>
            onHost(container, `redis-cli --no-auth-warning --raw ${flags} -p ${port} ${args.map((a) => `'${a}'`).join(" ")} 2>&1 || true`, lab.password).trim();
        const tlsCli = (container: string, port: number, ...args: string[]) => cli(container, TLS_FLAGS, port, ...args);

        before(async function () {
            if (entry.id && !wanted.includes(entry.id)) notRun(this, `tls spec ${entry.id}`, `REDIS_HA_IMAGES to include ${entry.id} (it is: ${wanted.join(",") || "unset"})`);
            const image = process.env[entry.imageVar];
            if (!image) notRun(this, `tls spec ${entry.id ?? entry.server}`, `its lab image (${entry.imageVar}, built by scripts/prepare.sh)`);
            lab = await createTestLab(entry.lab, entry.subnet, 3, { image, clusterConfig: { "redis-ha:server": entry.server } });
            pki = makePki(path.join(lab.sandbox.dir, "pki"), lab.hosts);
            for (const h of lab.hosts) {
                onHost(h.container, `install -d -m 0700 ${CLIENT_DIR}`);
                for (const [from, to] of [[pki.caCertFile, "ca.crt"], [pki.client.certFile, "client.crt"], [pki.client.keyFile, "client.key"]] as const) {
                    execFileSync("docker", ["cp", from, `${h.container}:${CLIENT_DIR}/${to}`]);
                }
            }
            stack = await lab.cluster({
                config: { "redis-ha:tls": { caCertFile: pki.caCertFile, certFile: path.join(pki.dir, "{host}.crt"), keyFile: path.join(pki.dir, "{host}.key") } },
            });
            await stack.up();
        });

        after(async () => {
            if (!lab) return;
            await lab.destroy();
            assert.strictEqual(labLeftovers(entry.lab), "", "the test lab left containers or networks behind");
        });

        function agreedMaster(): string {
            const views = lab.hosts.map((h) => tlsCli(h.container, SENTINEL_PORT, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", CLUSTER).split("\n")[0]!);
            assert.ok(views.every((v) => v === views[0]), `sentinels disagree: ${views.join(", ")}`);
            return views[0]!;
        }

        function assertHealthy(master: string): void {
            const container = lab.hosts.find((h) => h.address === master)!.container;
            assert.strictEqual(field(tlsCli(container, REDIS_PORT, "INFO", "replication"), "connected_slaves"), "2");
            for (const h of lab.hosts.filter((x) => x.address !== master)) {
                const info = tlsCli(h.container, REDIS_PORT, "INFO", "replication");
                assert.strictEqual(field(info, "master_host"), master, h.name);
                assert.strictEqual(field(info, "master_link_status"), "up", h.name);
            }
            for (const h of lab.hosts) {
                assert.match(tlsCli(h.container, SENTINEL_PORT, "SENTINEL", "CKQUORUM", CLUSTER), /^OK/, h.name);
                const m = tlsCli(h.container, SENTINEL_PORT, "SENTINEL", "MASTER", CLUSTER);
                assert.strictEqual(field(m, "num-slaves"), "2", h.name);
                assert.strictEqual(field(m, "num-other-sentinels"), "2", h.name);
            }
        }

        it("answers over TLS with a client certificate, on every Redis and Sentinel", () => {
            for (const h of lab.hosts) {
                assert.strictEqual(tlsCli(h.container, REDIS_PORT, "PING"), "PONG", h.name);
                assert.strictEqual(tlsCli(h.container, SENTINEL_PORT, "PING"), "PONG", h.name);
            }
        });

        it("refuses plaintext on both ports, locally and from another host, and has no plaintext port", () => {
            const [a, b] = lab.hosts;
            for (const [container, host] of [[a!.container, "127.0.0.1"], [b!.container, a!.address]] as const) {
                for (const port of [REDIS_PORT, SENTINEL_PORT]) {
                    const reply = cli(container, `-h ${host}`, port, "PING");
                    assert.doesNotMatch(reply, /PONG/, `plaintext PING to ${host}:${port} answered`);
                    assert.notStrictEqual(reply, "", `plaintext PING to ${host}:${port}: no error`);
                }
            }
            for (const h of lab.hosts) {
                assert.strictEqual(tlsCli(h.container, REDIS_PORT, "CONFIG", "GET", "port"), "port\n0", h.name);
                assert.strictEqual(tlsCli(h.container, REDIS_PORT, "CONFIG", "GET", "tls-replication"), "tls-replication\nyes", h.name);
            }
        });

        it("refuses a TLS client without a certificate (tls-auth-clients yes)", () => {
            const reply = cli(lab.hosts[0]!.container, `--tls --cacert ${CLIENT_DIR}/ca.crt`, REDIS_PORT, "PING");
            assert.doesNotMatch(reply, /PONG/);
            // Why: TLS 1.3 ends the handshake with the server's "certificate required" alert (116), which
            // redis-cli reports only as a closed connection; openssl shows the alert itself.
            const handshake = onHost(lab.hosts[0]!.container, `echo | timeout 5 openssl s_client -connect 127.0.0.1:${REDIS_PORT} -CAfile ${CLIENT_DIR}/ca.crt -ign_eof 2>&1 || true`);
            assert.match(handshake, /tlsv13 alert certificate required|SSL alert number 116/, handshake);
        });

        it("replicates over TLS, and the sentinels agree and reach quorum over TLS", () => {
            assert.strictEqual(agreedMaster(), lab.hosts[0]!.address);
            assertHealthy(lab.hosts[0]!.address);
        });

        it("serves ioredis over TLS through Sentinel, and keeps serving it across a failover", async () => {
            const tls = { ca: fs.readFileSync(pki.caCertFile), cert: fs.readFileSync(pki.client.certFile), key: fs.readFileSync(pki.client.keyFile) };
            const client = new Redis({
                name: CLUSTER,
                sentinels: lab.hosts.map((h) => ({ host: h.address, port: SENTINEL_PORT })),
                password: lab.password,
                sentinelPassword: lab.password,
                tls,
                sentinelTLS: tls,
                enableTLSForSentinelMode: true,
                maxRetriesPerRequest: 3,
            });
            try {
                assert.strictEqual(await client.set("tls:key", "before"), "OK");
                assert.strictEqual(await client.get("tls:key"), "before");
                const before = agreedMaster();
                assert.strictEqual(tlsCli(lab.hosts[1]!.container, SENTINEL_PORT, "SENTINEL", "FAILOVER", CLUSTER), "OK");
                const after = await eventually("sentinels agree on a new master", 90, () => {
                    const m = agreedMaster();
                    assert.notStrictEqual(m, before);
                    return m;
                });
                await eventually("the cluster is whole again under the new master", 90, () => assertHealthy(after));
                await eventually("ioredis writes to the new master", 60, async () => assert.strictEqual(await client.set("tls:key", "after"), "OK"));
                assert.strictEqual(await client.get("tls:key"), "after");
            } finally {
                client.disconnect();
            }
        });

        it(`keeps each host's private key readable by root and the ${entry.server} group only`, () => {
            for (const h of lab.hosts) {
                const modes = onHost(h.container, `stat -c '%a %U %G %n' /etc/redis-ha/${CLUSTER}/tls-*/*.key`).trim().split("\n");
                assert.strictEqual(modes.length, 2, `${h.name}: ${modes.join("; ")}`);
                for (const m of modes) assert.match(m, new RegExp(`^640 root ${entry.server} /`), h.name);
            }
        });

        it("rotates the password over TLS: no data node restarts, the old password refused on every port after, no login refused (ACL LOG empty)", async () => {
            const unit = `redis-ha-${CLUSTER}-server.service`;
            const pids = () => lab.hosts.map((h) => onHost(h.container, `systemctl show -p MainPID --value ${unit}`).trim());
            const before = pids();
            const old = lab.password;
            for (const h of lab.hosts) for (const port of [REDIS_PORT, SENTINEL_PORT]) assert.strictEqual(tlsCli(h.container, port, "ACL", "LOG", "RESET"), "OK");
            await stack.setConfig("redis-ha:password", { value: `rotated-${crypto.randomBytes(18).toString("base64url")}`, secret: true });
            await stack.up();
            lab.password = (await stack.getConfig("redis-ha:password")).value;
            assert.deepStrictEqual(pids(), before, "a data node restarted for a new password");
            for (const h of lab.hosts) {
                for (const port of [REDIS_PORT, SENTINEL_PORT]) {
                    assert.strictEqual(tlsCli(h.container, port, "ACL", "LOG"), "", `${h.name}:${port}: a login was refused`);
                    assert.strictEqual(tlsCli(h.container, port, "PING"), "PONG", `${h.name}:${port}: the new password`);
                    const withOld = onHost(h.container, `redis-cli --no-auth-warning --raw ${TLS_FLAGS} -p ${port} PING 2>&1 || true`, old).trim();
                    assert.match(withOld, /WRONGPASS|NOAUTH/, `${h.name}:${port}: the old password`);
                }
            }
            assertHealthy(agreedMaster());
        });

        it("plans no change on a second preview", async () => {
            const preview = await stack.preview();
            assert.deepStrictEqual(Object.keys(preview.changeSummary).filter((k) => k !== "same"), []);
        });
    });
}
