/**
 * `pulumi preview` as a PR pipeline runs it: on the real engine, for the example env whose hosts do
 * not exist here. Preview must neither reach a host nor print a secret, and bad input must fail it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { clusterStack, detectExecutor, repoStackConfig, tempSandbox } from "../../lab/automation";
import { Pki, makePki } from "../fixtures/pki";

/** `redis-ha:tls` pointing at a test PKI's files. */
const pkiConfig = (pki: Pki) => ({ caCertFile: pki.caCertFile, certFile: path.join(pki.dir, "{host}.crt"), keyFile: path.join(pki.dir, "{host}.key") });

const PASSWORD = "preview-secret-Zq7";

describe("pulumi preview of the environments' stack config (no host reachable)", function () {
    this.timeout(5 * 60 * 1000);
    const sandbox = tempSandbox();
    const secrets = { "redis-ha:password": PASSWORD, "redis-ha:sshPrivateKey": "not-a-key: preview never dials" };

    after(() => fs.rmSync(sandbox.dir, { recursive: true, force: true }));

    // What a PR pipeline has: the stack's encrypted config (so the password), no SSH private key, no
    // known_hosts and no route to any host. Each environment previews, warning about the key (and,
    // where the file pins no host key, about that). The executor is the one this machine has.
    for (const env of ["dev", "stage", "prod"]) {
        it(`previews Pulumi.${env}.yaml as a PR pipeline does: no SSH private key, no host reachable, no secret printed`, async () => {
            const file = repoStackConfig(env)["redis-ha:ssh"] as Record<string, unknown>;
            const ssh = { ...file, privateKeyPath: path.join(sandbox.dir, "no-such-key"), knownHostsFile: path.join(sandbox.dir, "known_hosts") };
            // prod uses TLS: its certificate and key files, made here for the example hosts.
            const hosts = repoStackConfig(env)["redis-ha:hosts"] as Array<{ name: string; address: string; hostKey?: string }>;
            const tls = repoStackConfig(env)["redis-ha:tls"] ? { "redis-ha:tls": pkiConfig(makePki(path.join(sandbox.dir, `pki-${env}`), hosts)) } : {};
            const stack = await clusterStack(sandbox, env, { stackName: `pr-${env}`, secrets: { "redis-ha:password": PASSWORD }, config: { "redis-ha:executor": detectExecutor(), "redis-ha:ssh": ssh, ...tls } });
            let printed = "";
            const warnings: string[] = [];
            const result = await stack.preview({
                diff: true,
                onOutput: (o) => (printed += o),
                onEvent: (e) => {
                    if (e.diagnosticEvent?.severity === "warning") warnings.push(e.diagnosticEvent.message);
                },
            });
            // 3 preflights (which check drift on refresh), 3 program installs, 3 data nodes + 3 sentinels (component and
            // command each), the gate, the cluster, the stack; stage adds 6 exporters (the same).
            assert.strictEqual(result.changeSummary.create, env === "stage" ? 33 : 21, printed);
            if (env === "stage") assert.match(printed, /stage-1-server-exporter-apply/);
            assert.match(printed, new RegExp(`${env === "dev" ? "dev-console" : `${env}-1`}-redis-apply`));
            assert.ok(!printed.includes(PASSWORD), "the password appears in preview output");
            assert.ok(warnings.some((w) => /sshPrivateKey: no SSH private key is given; previewing without it \(no host is contacted\), `pulumi up` needs it/.test(w)), warnings.join("\n"));
            // Host keys pinned in the file (stage, prod): nothing to warn about them.
            // dev pins none: preview goes on and says what `up` will need.
            const pinned = hosts.every((h) => h.hostKey);
            assert.strictEqual(warnings.some((w) => /hosts\[0\]\.hostKey: no SSH host key is known for \S+ \([\d.]+:22\).*`pulumi up` will refuse to connect/.test(w)), !pinned, warnings.join("\n"));
        });
    }

    it("fails on bad input with the field and the fix, before anything is created", async () => {
        const stack = await clusterStack(sandbox, "dev", { stackName: "dev-bad", secrets, config: { "redis-ha:quorum": 1, "redis-ha:redisPort": 6379 } });
        await assert.rejects(stack.preview(), (err: Error) => {
            assert.match(err.message, /quorum: 1 is below a majority of the 3 sentinels.*Fix: set quorum to at least 2/);
            assert.match(err.message, /redisPort: 6379 is the port of the distribution's own Redis/);
            return true;
        });
    });
});
