/**
 * Reuse from another stack: the npm package as `npm pack` builds it, installed into the example
 * consumer (examples/consumer), which composes two RedisHaClusters on the same hosts.
 *
 * The tarball check runs everywhere. The deploy goes through the `pulumi` CLI, which runs the
 * consumer's own index.ts with its own node_modules (what a user has), so it needs the nodejs
 * language host: without it, it is reported as not run.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { detectExecutor, engineEnv, labHostKeys } from "../../lab/automation";
import { TestLab, createTestLab, labLeftovers, mainPid, nodejsLanguageHostInstalled, notRun, onHost, redisCli } from "./labHarness";

const ROOT = path.join(__dirname, "..", "..");
const LAB = "rhtconsumer";
const CLUSTERS = [
    { name: "orders", redisPort: 6391, sentinelPort: 26391, password: "orders-password-7Hq2xV9pLm" },
    { name: "sessions", redisPort: 6393, sentinelPort: 26393, password: "sessions-password-Rk4wN8sTz" },
];

describe("reuse: the packed npm package in another program (examples/consumer)", function () {
    this.timeout(20 * 60 * 1000);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rh-consumer-"));
    const consumer = path.join(work, "consumer");
    const installed = path.join(consumer, "node_modules", "redis-ha");

    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("packs a tarball the consumer installs: every require resolves, the main loads, templates, remote programs and types ship, the example typechecks against them", () => {
        const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
        fs.cpSync(path.join(ROOT, "examples", "consumer"), consumer, { recursive: true });
        const manifest = JSON.parse(fs.readFileSync(path.join(consumer, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        manifest.dependencies["redis-ha"] = `file:../${tarball}`;
        fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify(manifest, null, 2));
        // --ignore-scripts: @pulumi/command's install hook downloads its plugin; the toolchain installs plugins.
        execFileSync("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: consumer, stdio: ["ignore", "ignore", "pipe"] });
        // Every require of every compiled module resolves inside the install (a file the package forgot,
        // like bin/stack/ for the stack entry bin/index.js, fails here), and the package's main loads.
        const modules = execFileSync("find", [path.join(installed, "bin"), "-name", "*.js"], { encoding: "utf8" }).trim().split("\n");
        assert.ok(modules.length > 10, modules.join("\n"));
        for (const m of modules) {
            for (const [, dep] of fs.readFileSync(m, "utf8").matchAll(/require\("([^"]+)"\)/g)) {
                assert.doesNotThrow(() => require.resolve(dep!, { paths: [path.dirname(m)] }), `${path.relative(installed, m)} requires ${dep}, which the install lacks`);
            }
        }
        execFileSync(process.execPath, ["-e", 'const { RedisHaCluster } = require("redis-ha"); if (typeof RedisHaCluster !== "function") throw new Error("no RedisHaCluster");'], { cwd: consumer, stdio: ["ignore", "ignore", "pipe"] });
        for (const f of ["templates/redis.conf.njk", "templates/sentinel.conf.njk", "templates/redis-ha.service.njk", "remote/lib.sh", "remote/apply-redis.sh", "bin/components/index.d.ts"]) {
            assert.ok(fs.existsSync(path.join(installed, f)), `${f} is not in the package`);
        }
        // Nothing of the repo's own tooling, tests or state rides along.
        const shipped = execFileSync("tar", ["-tzf", path.join(work, tarball)], { encoding: "utf8" });
        assert.doesNotMatch(shipped, /package\/(tests|lab|bench|scripts|examples|\.redis-ha)\//);
        // The example against the packaged types only (its tsconfig maps redis-ha to the source, which is not there).
        execFileSync(path.join(consumer, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", consumer], { stdio: ["ignore", "pipe", "pipe"] });
    });

    describe("deployed to the lab through the CLI", () => {
        let lab: TestLab | undefined;
        let env: NodeJS.ProcessEnv = {};
        const pulumi = (args: string[], input?: string) => spawnSync("pulumi", [...args, "--non-interactive", "--cwd", consumer, "-s", "lab"], { env, input, encoding: "utf8" });
        const ok = (r: ReturnType<typeof pulumi>) => assert.strictEqual(r.status, 0, `${r.stdout.slice(-4000)}\n${r.stderr}`);

        /** One cluster whole on the lab: one master that every sentinel names, two linked replicas, its own units. */
        function assertHealthy(c: (typeof CLUSTERS)[number]): void {
            const hosts = lab!.hosts;
            const masters = hosts.map((h) => redisCli(h.container, c.password, c.sentinelPort, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", c.name).split("\n")[0]);
            assert.ok(masters.every((m) => m === masters[0]) && hosts.some((h) => h.address === masters[0]), `${c.name}: sentinels name ${masters.join(", ")}`);
            for (const h of hosts) {
                const role = redisCli(h.container, c.password, c.redisPort, "ROLE").split("\n")[0];
                assert.strictEqual(role, h.address === masters[0] ? "master" : "slave", `${c.name} on ${h.name}`);
                assert.match(redisCli(h.container, c.password, c.sentinelPort, "SENTINEL", "CKQUORUM", c.name), /^OK/, `${c.name} quorum on ${h.name}`);
                assert.strictEqual(onHost(h.container, `systemctl is-active redis-ha-${c.name}-server redis-ha-${c.name}-sentinel`).trim(), "active\nactive");
            }
            const master = hosts.find((h) => h.address === masters[0])!;
            assert.match(redisCli(master.container, c.password, c.redisPort, "INFO", "replication"), /connected_slaves:2/);
        }

        before(async function () {
            if (!nodejsLanguageHostInstalled()) notRun(this, "deploying examples/consumer through the `pulumi` CLI", "the nodejs language host (pulumi-language-nodejs)");
            if (!fs.existsSync(installed)) throw new Error("the package was not installed: the tarball test failed");
            lab = await createTestLab(LAB, "10.177.88");
            const keys = labHostKeys(lab.args);
            env = { ...process.env, ...engineEnv(lab.sandbox), PULUMI_BACKEND_URL: `file://${path.join(work, "state")}` };
            fs.mkdirSync(path.join(work, "state"));
            ok(spawnSync("pulumi", ["stack", "init", "lab", "--non-interactive", "--cwd", consumer], { env, encoding: "utf8" }));
            ok(pulumi(["config", "set", "consumer:sshPrivateKeyPath", lab.args.privateKeyPath]));
            ok(pulumi(["config", "set", "consumer:executor", detectExecutor()]));
            ok(pulumi(["config", "set", "consumer:hosts", JSON.stringify(lab.hosts.map((h) => ({ name: h.name, address: h.address, hostKey: keys[h.name] })))]));
            for (const c of CLUSTERS) ok(pulumi(["config", "set", "--secret", `consumer:${c.name}Password`], c.password));
        });

        after(async () => {
            if (!lab) return;
            pulumi(["destroy", "--yes"]);
            await lab.destroy();
            assert.strictEqual(labLeftovers(LAB), "", "the consumer lab left containers or networks behind");
        });

        it("deploys both clusters, healthy and isolated from each other; removing one leaves the other running untouched", () => {
            const up = pulumi(["up", "--yes"]);
            ok(up);
            for (const c of CLUSTERS) assert.ok(!(up.stdout + up.stderr).includes(c.password), `${c.name}'s password in the output`);
            for (const c of CLUSTERS) assertHealthy(c);
            // Isolated: each password opens its own cluster only.
            const h = lab!.hosts[0]!;
            assert.match(onHost(h.container, `redis-cli --no-auth-warning -p ${CLUSTERS[1]!.redisPort} PING 2>&1 || true`, CLUSTERS[0]!.password), /WRONGPASS|NOAUTH/);
            const stacked = JSON.parse(pulumi(["stack", "output", "--json"]).stdout) as Record<string, { masterName: string; sentinels: unknown[] }>;
            assert.strictEqual(stacked.ordersConnection?.masterName, "orders");
            assert.strictEqual(stacked.sessionsConnection?.sentinels.length, 3);

            const ordersPids = lab!.hosts.map((x) => [mainPid(x.container, "redis-ha-orders-server.service"), mainPid(x.container, "redis-ha-orders-sentinel.service")]);
            ok(pulumi(["config", "set", "consumer:sessions", "false"]));
            ok(pulumi(["up", "--yes"]));
            for (const x of lab!.hosts) {
                assert.strictEqual(onHost(x.container, "systemctl list-units --all --no-legend --plain 'redis-ha-sessions-*' | wc -l").trim(), "0", `sessions units left on ${x.name}`);
                assert.strictEqual(onHost(x.container, "ls -d /etc/redis-ha/sessions /var/lib/redis-ha/sessions 2>/dev/null | wc -l").trim(), "0", `sessions files left on ${x.name}`);
            }
            assert.deepStrictEqual(
                lab!.hosts.map((x) => [mainPid(x.container, "redis-ha-orders-server.service"), mainPid(x.container, "redis-ha-orders-sentinel.service")]),
                ordersPids,
                "removing sessions restarted orders",
            );
            assertHealthy(CLUSTERS[0]!);
            ok(pulumi(["preview", "--expect-no-changes"]));
        });
    });
});
