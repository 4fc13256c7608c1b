/**
 * The bad-input catalog against the stack's config reader and the cluster validation, as the stack
 * program runs them (the same table runs through `pulumi preview` in tests/e2e/badInput.e2e.spec.ts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RedisHaConfigError, resolveClusterSpec } from "../../components/config/validate";
import { ConfigSource, clusterArgsFromConfig } from "../../stack/config";
import { BAD_INPUT_CASES, BAD_INPUT_CATALOG_SIZE, BadInputContext, assertNamesFieldAndFix } from "../fixtures/badInput";

const PASSWORD = "unit-test-password-0123456789";

/** pulumi.Config's behaviour over plain values: objects arrive as JSON text. */
function configSource(values: Record<string, unknown>): ConfigSource {
    const raw = (key: string): string | undefined => {
        const v = values[key];
        return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
    };
    return {
        get: raw,
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the shape of pulumi.Config.getObject
        getObject: <T>(key: string) => {
            const v = raw(key);
            return v === undefined ? undefined : (JSON.parse(v) as T);
        },
        getNumber: (key: string) => {
            const v = raw(key);
            return v === undefined ? undefined : Number(v);
        },
        getSecret: (key: string) => {
            const v = raw(key);
            return v === undefined ? undefined : pulumi.secret(v);
        },
    };
}

/** Runs the stack's config reading and the component's validation; returns the error message, or undefined if accepted. */
function rejection(values: Record<string, unknown>, preview = false): string | undefined {
    try {
        const args = clusterArgsFromConfig(configSource(values), preview);
        resolveClusterSpec(args, { password: values.password });
        return undefined;
    } catch (err) {
        assert.ok(err instanceof RedisHaConfigError, `expected RedisHaConfigError, got ${String(err)}`);
        return err.message;
    }
}

describe("bad-input catalog (stack config -> validation)", () => {
    let dir: string;
    let ctx: BadInputContext;
    let base: Record<string, unknown>;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-ha-unit-"));
        const keyPath = path.join(dir, "id_ed25519");
        fs.writeFileSync(keyPath, "-----BEGIN OPENSSH PRIVATE KEY-----\nnot used by unit tests\n-----END OPENSSH PRIVATE KEY-----\n", { mode: 0o600 });
        fs.writeFileSync(`${keyPath}.pub`, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJhZA unit\n");
        const hosts = [
            { name: "db-1", address: "10.0.2.11" },
            { name: "db-2", address: "10.0.2.12" },
            { name: "db-3", address: "10.0.2.13" },
        ];
        ctx = { hosts, keyPath };
        base = {
            clusterName: "unit",
            hosts,
            master: "db-1",
            replicas: ["db-2", "db-3"],
            sentinels: ["db-1", "db-2", "db-3"],
            quorum: 2,
            ssh: { user: "root", privateKeyPath: keyPath },
            executor: "dynamic",
            password: PASSWORD,
        };
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("accepts the base configuration every case starts from", () => {
        assert.strictEqual(rejection(base), undefined);
    });

    it("holds at least 25 cases, each with its own name", () => {
        assert.strictEqual(BAD_INPUT_CASES.length, BAD_INPUT_CATALOG_SIZE, "the catalog README describes");
        assert.ok(fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8").includes(`the ${BAD_INPUT_CATALOG_SIZE}-case bad-input catalog`), "README names the catalog's size");
        assert.strictEqual(new Set(BAD_INPUT_CASES.map((c) => c.name)).size, BAD_INPUT_CASES.length);
    });

    for (const c of BAD_INPUT_CASES) {
        it(`rejects ${c.name}, naming ${c.field} and the fix`, () => {
            const values: Record<string, unknown> = { ...base, ...(c.config?.(ctx) ?? {}) };
            if (c.password === null) delete values.password;
            else if (c.password !== undefined) values.password = c.password;
            // What only `up` needs is refused by `up` and let through by a preview; the rest by both.
            if (c.refusedAt === "up") assert.strictEqual(rejection(values, true), undefined, "a preview refused what only up needs");
            else assert.ok(rejection(values, true) !== undefined, "a preview accepted the configuration");
            const message = rejection(values);
            assert.ok(message !== undefined, "the configuration was accepted");
            assertNamesFieldAndFix(message, c);
            if (typeof values.password === "string" && values.password.length > 0) {
                assert.ok(!message.includes(values.password), "the message contains the password");
            }
        });
    }

    it("accepts seed 003's 2-machine layout when allowUnsafeTopology is set, and says it is unsafe", () => {
        const values = { ...base, hosts: ctx.hosts.slice(0, 2), replicas: ["db-2"], sentinels: ["db-1", "db-2"], allowUnsafeTopology: "true" };
        assert.strictEqual(rejection(values), undefined);
        const spec = resolveClusterSpec(clusterArgsFromConfig(configSource(values)));
        assert.strictEqual(spec.unsafeTopology, true);
        assert.strictEqual(spec.quorum, 2);
    });

    it("reports stack-level and topology problems in one message", () => {
        const message = rejection({ ...base, password: "short", quorum: 9 });
        assert.ok(message);
        assert.match(message, /redis-ha:password: is shorter/);
        assert.match(message, /quorum: 9 is more than/);
    });
});
