import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigProblem } from "../../components/config/validate";
import { tlsFromConfig } from "../../stack/tlsConfig";
import { Pki, makePki } from "../fixtures/pki";

describe("redis-ha:tls in stack config", function () {
    this.timeout(30000);
    let pki: Pki;
    const hosts = [
        { name: "a", address: "10.0.0.1" },
        { name: "b", address: "10.0.0.2" },
    ];
    before(() => {
        pki = makePki(fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-pki-")), hosts);
    });
    after(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

    it("reads the CA, each host's certificate, and the keys into a secret", async () => {
        const problems: ConfigProblem[] = [];
        const out = tlsFromConfig({ caCertFile: pki.caCertFile, certFile: path.join(pki.dir, "{host}.crt"), keyFile: path.join(pki.dir, "{host}.key") }, ["a", "b"], problems);
        assert.deepStrictEqual(problems, []);
        assert.strictEqual(out.tls?.caCert, fs.readFileSync(pki.caCertFile, "utf8"));
        assert.deepStrictEqual(Object.keys(out.tls?.certificates ?? {}), ["a", "b"]);
        assert.ok(out.tlsPrivateKeys && (await pulumi.isSecret(out.tlsPrivateKeys)), "the keys are a secret");
    });

    it("names the field and the file when a key is unreadable or belongs to another certificate", () => {
        const problems: ConfigProblem[] = [];
        tlsFromConfig({ caCertFile: pki.caCertFile, certFile: path.join(pki.dir, "{host}.crt"), keyFile: path.join(pki.dir, "missing-{host}.key") }, ["a"], problems);
        assert.match(`${problems[0]?.field}: ${problems[0]?.problem}`, /^redis-ha:tls\.keyFile: cannot read .*missing-a\.key \(ENOENT\)$/);
        const swapped: ConfigProblem[] = [];
        tlsFromConfig({ caCertFile: pki.caCertFile, certFile: path.join(pki.dir, "{host}.crt"), keyFile: path.join(pki.dir, "b.key") }, ["a"], swapped);
        assert.match(`${swapped[0]?.field}: ${swapped[0]?.problem}`, /^redis-ha:tls\.keyFile: the key for a does not belong to its certificate$/);
        const unset: ConfigProblem[] = [];
        tlsFromConfig({ certFile: "x", keyFile: "y" }, [], unset);
        assert.match(`${unset[0]?.field}: ${unset[0]?.problem}. Fix: ${unset[0]?.fix}`, /^redis-ha:tls\.caCertFile: is not set\. Fix: set it/);
    });
});
