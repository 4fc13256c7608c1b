import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveClusterSpec } from "../../components/config/validate";
import { TlsSettings } from "../../components/config/types";
import { resolveTlsSettings, tlsFiles } from "../../components/config/tls";
import { renderRedisConf, renderSentinelConf } from "../../components/render/render";
import { healthGateVars, redisStepVars, removalVars, sentinelStepVars, tlsKeyVars } from "../../components/plan/steps";
import { RedisHaCluster } from "../../components/redisHaCluster";
import { stepProgram } from "../../components/remote/payload";
import { issue, makeCa, makePki, Pki } from "../fixtures/pki";
import { threeHostTopology } from "../fixtures/topology";
import { problemsOf } from "../fixtures/problems";

const PASSWORD = "correct-horse-battery-staple-42";
const HOSTS = threeHostTopology().hosts.map((h) => ({ name: h.name, address: h.address }));

function lines(text: string, prefix: string): string[] {
    return text.split("\n").filter((l) => l === prefix || l.startsWith(`${prefix} `));
}

describe("TLS (tls option)", function () {
    this.timeout(30000);
    let dir: string;
    let pki: Pki;
    let tls: TlsSettings;
    const read = (f: string) => fs.readFileSync(f, "utf8");

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-pki-"));
        pki = makePki(dir, HOSTS);
        tls = { caCert: read(pki.caCertFile), certificates: Object.fromEntries(HOSTS.map((h) => [h.name, read(pki.hosts[h.name]!.certFile)])) };
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("accepts certificates issued by the CA for each host's IP, with Redis's default tls-auth-clients", () => {
        const spec = resolveClusterSpec(threeHostTopology({ tls }));
        assert.strictEqual(spec.tls?.authClients, "yes");
        assert.strictEqual(resolveClusterSpec(threeHostTopology()).tls, undefined);
    });

    describe("refuses, naming the field and the fix", () => {
        const cases: Array<{ name: string; change: (t: TlsSettings) => TlsSettings; field: string; mentions: RegExp; now?: Date }> = [
            { name: "a host without a certificate", change: (t) => ({ ...t, certificates: { console: t.certificates.console!, "app-1": t.certificates["app-1"]! } }), field: "tls.certificates.app-2", mentions: /is missing/ },
            { name: "a certificate for an unknown host", change: (t) => ({ ...t, certificates: { ...t.certificates, ghost: t.certificates.console! } }), field: "tls.certificates.ghost", mentions: /names no host/ },
            { name: "a certificate naming another IP", change: (t) => ({ ...t, certificates: { ...t.certificates, "app-1": t.certificates["app-2"]! } }), field: "tls.certificates.app-1", mentions: /does not name 10\.0\.2\.71/ },
            { name: "a CA that is not a CA", change: (t) => ({ ...t, caCert: t.certificates.console! }), field: "tls.caCert", mentions: /not a CA certificate/ },
            { name: "a CA that is not PEM", change: (t) => ({ ...t, caCert: "hello" }), field: "tls.caCert", mentions: /not a PEM certificate/ },
            { name: "a certificate that is not PEM", change: (t) => ({ ...t, certificates: { ...t.certificates, console: "nope" } }), field: "tls.certificates.console", mentions: /not a PEM certificate/ },
            { name: "an unknown tls-auth-clients value", change: (t) => ({ ...t, authClients: "maybe" as "yes" }), field: "tls.authClients", mentions: /yes, optional, no/ },
            { name: "an expired certificate", change: (t) => t, field: "tls.certificates.console", mentions: /expired/, now: new Date(Date.now() + 10 * 86400_000) },
        ];
        for (const c of cases) {
            it(c.name, () => {
                const problems: string[] = [];
                const report = (field: string, problem: string, fix: string) => problems.push(`${field}: ${problem}. Fix: ${fix}`);
                const spec = resolveClusterSpec(threeHostTopology());
                resolveTlsSettings(c.change(tls), spec.hosts, report, c.now);
                const match = problems.find((p) => p.startsWith(`${c.field}:`));
                assert.ok(match, problems.join("\n") || "no problem reported");
                assert.match(match, c.mentions);
                assert.match(match, /Fix: \S/);
            });
        }

        it("a certificate from another CA, and one not allowed as a client certificate", () => {
            const otherCa = makeCa(dir, "other-ca");
            const foreign = issue(dir, otherCa, "foreign", { ips: ["10.0.2.104"] });
            const serverOnly = issue(dir, pki.caCertFile, "server-only", { ips: ["10.0.2.71"], extendedKeyUsage: "serverAuth" });
            const problems = problemsOf(() =>
                resolveClusterSpec(threeHostTopology({ tls: { ...tls, certificates: { ...tls.certificates, console: read(foreign.certFile), "app-1": read(serverOnly.certFile) } } })),
            );
            assert.ok(problems.some((p) => /^tls\.certificates\.console: was not issued by tls\.caCert/.test(p)), problems.join("\n"));
            assert.ok(problems.some((p) => /^tls\.certificates\.app-1: is not allowed for both serverAuth and clientAuth/.test(p)), problems.join("\n"));
        });

        it("tls without private keys, and private keys without tls, before anything is registered", () => {
            const base = { password: PASSWORD, sshPrivateKey: "key" };
            assert.match(problemsOf(() => new RedisHaCluster("c", { ...threeHostTopology({ tls }), ...base }))[0]!, /^tlsPrivateKeys: is missing/);
            assert.match(problemsOf(() => new RedisHaCluster("c", { ...threeHostTopology(), ...base, tlsPrivateKeys: {} }))[0]!, /^tlsPrivateKeys: is set but `tls` is not/);
        });
    });

    describe("rendering and step inputs", () => {
        it("listens on TLS only, replicates over TLS, and names the host's files", () => {
            const spec = resolveClusterSpec(threeHostTopology({ tls }));
            const host = spec.hosts[1]!;
            const files = tlsFiles(spec, host, "server")!;
            assert.match(files.certFile, /^\/etc\/redis-ha\/dev\/tls-server\/node-[0-9a-f]{12}\.crt$/);
            const conf = renderRedisConf(spec, host, PASSWORD);
            assert.deepStrictEqual(lines(conf, "port"), ["port 0"]);
            assert.deepStrictEqual(lines(conf, "tls-port"), ["tls-port 6389"]);
            assert.deepStrictEqual(lines(conf, "tls-replication"), ["tls-replication yes"]);
            assert.deepStrictEqual(lines(conf, "tls-auth-clients"), ["tls-auth-clients yes"]);
            assert.deepStrictEqual(lines(conf, "tls-cert-file"), [`tls-cert-file ${files.certFile}`]);
            assert.deepStrictEqual(lines(conf, "tls-key-file"), [`tls-key-file ${files.keyFile}`]);
            assert.deepStrictEqual(lines(conf, "tls-ca-cert-file"), [`tls-ca-cert-file ${files.caCertFile}`]);
            assert.deepStrictEqual(lines(conf, "replica-announce-port"), ["replica-announce-port 6389"]);
            const sconf = renderSentinelConf(spec, host, PASSWORD);
            assert.deepStrictEqual(lines(sconf, "port"), ["port 0"]);
            assert.deepStrictEqual(lines(sconf, "tls-port"), ["tls-port 26389"]);
            assert.deepStrictEqual(lines(sconf, "tls-replication"), ["tls-replication yes"]);
            assert.match(lines(sconf, "tls-cert-file")[0]!, /\/etc\/redis-ha\/dev\/tls-sentinel\/node-[0-9a-f]{12}\.crt$/);
        });

        it("renders plain ports without tls", () => {
            const spec = resolveClusterSpec(threeHostTopology());
            const conf = renderRedisConf(spec, spec.hosts[0]!, PASSWORD);
            assert.deepStrictEqual(lines(conf, "port"), ["port 6389"]);
            assert.ok(!conf.includes("tls-"));
        });

        it("renames the files when a certificate changes, so the service picks the new one up", () => {
            const a = resolveClusterSpec(threeHostTopology({ tls }));
            const renewed = issue(dir, pki.caCertFile, "console-renewed", { ips: ["10.0.2.104"] });
            const b = resolveClusterSpec(threeHostTopology({ tls: { ...tls, certificates: { ...tls.certificates, console: read(renewed.certFile) } } }));
            assert.notStrictEqual(tlsFiles(a, a.hosts[0]!, "server")!.certFile, tlsFiles(b, b.hosts[0]!, "server")!.certFile);
            assert.strictEqual(tlsFiles(a, a.hosts[1]!, "server")!.certFile, tlsFiles(b, b.hosts[1]!, "server")!.certFile);
        });

        it("passes certificates as plain inputs and the private key only as a secret input", () => {
            const spec = resolveClusterSpec(threeHostTopology({ tls }));
            const host = spec.hosts[0]!;
            const vars = redisStepVars(spec, host, PASSWORD);
            assert.strictEqual(vars.RH_TLS, "yes");
            assert.strictEqual(Buffer.from(String(vars.RH_TLS_CERT), "base64").toString(), tls.certificates.console);
            assert.strictEqual((vars as Record<string, unknown>).RH_TLS_KEY, undefined);
            assert.strictEqual(sentinelStepVars(spec, host, PASSWORD).RH_TLS_DIR, "/etc/redis-ha/dev/tls-sentinel");
            assert.strictEqual(healthGateVars(spec, "r", PASSWORD).RH_TLS, "yes");
            const key = read(pki.hosts.console!.keyFile);
            assert.strictEqual(Buffer.from(String(tlsKeyVars(key).RH_TLS_KEY), "base64").toString(), key);
            assert.deepStrictEqual(tlsKeyVars(undefined), {});
            // The key is in the program (sent on stdin), never in the removal command (kept in state, run from it).
            assert.ok(stepProgram("apply-redis", { ...vars, ...tlsKeyVars(key) }, PASSWORD).includes(String(tlsKeyVars(key).RH_TLS_KEY)));
            assert.ok(removalVars(spec, host, "server").RH_FILES.includes("/etc/redis-ha/dev/tls-server"));
            assert.deepStrictEqual(redisStepVars(resolveClusterSpec(threeHostTopology()), host, PASSWORD).RH_TLS, "no");
        });
    });
});
