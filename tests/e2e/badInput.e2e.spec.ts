/**
 * The bad-input catalog through `pulumi preview` on the real engine, pointed at a real lab: every case
 * is rejected with a message naming the field and the fix, and no host was touched (no SSH session,
 * no file, no unit). A port already taken on one host is refused at `up`, before any host changes.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { clusterStack, labClusterConfig } from "../../lab/automation";
import { BAD_INPUT_CASES, BadInputCase, BadInputContext, assertNamesFieldAndFix } from "../fixtures/badInput";
import { TestLab, createTestLab, eventually, labLeftovers, onHost } from "./labHarness";

const LAB = "rhtinput";
const REDIS_PORT = 6389;

/**
 * What any contact from redis-ha would change on a host: sshd's count of accepted sessions, our
 * directories, our units, and the unit directory's listing (names, sizes, mtimes).
 */
function hostFingerprint(container: string): string {
    return onHost(
        container,
        [
            "echo ssh-sessions=$(journalctl -u ssh --no-pager -o cat | grep -c 'Accepted publickey' || true)",
            "ls -d /etc/redis-ha /var/lib/redis-ha /var/log/redis-ha 2>/dev/null || true",
            "systemctl list-units --all --no-legend --plain 'redis-ha-*'",
            "ls -la --time-style=full-iso /etc/systemd/system",
        ].join("; "),
    );
}

describe("bad input is rejected at preview and no host is touched (real engine, real lab)", function () {
    this.timeout(15 * 60 * 1000);
    let lab: TestLab;
    let ctx: BadInputContext;
    const before_: Record<string, string> = {};

    /** The lab cluster's stack config with the case's changes, on a stack whose settings are rewritten every time. */
    async function caseStack(c: Pick<BadInputCase, "config" | "password">): Promise<Stack> {
        const base = labClusterConfig(lab.sandbox, lab.args);
        const overrides = Object.fromEntries(Object.entries(c.config?.(ctx) ?? {}).map(([k, v]) => [`redis-ha:${k}`, v]));
        const password = c.password === undefined ? lab.password : c.password;
        return clusterStack(lab.sandbox, "lab", {
            stackName: "bad-input",
            config: { ...base.config, ...overrides },
            secrets: password === null ? {} : { "redis-ha:password": password },
        });
    }

    function assertUntouched(): void {
        for (const h of lab.hosts) assert.strictEqual(hostFingerprint(h.container), before_[h.name], `host ${h.name} changed`);
    }

    before(async () => {
        lab = await createTestLab(LAB, "10.177.81");
        ctx = { hosts: lab.hosts.map((h) => ({ name: h.name, address: h.address })), keyPath: lab.args.privateKeyPath };
        for (const h of lab.hosts) before_[h.name] = hostFingerprint(h.container);
    });

    after(async () => {
        if (lab) await lab.destroy();
        assert.strictEqual(labLeftovers(LAB), "", "the test lab left containers or networks behind");
    });

    it("previews the valid base configuration every case starts from (control)", async () => {
        const stack = await caseStack({});
        const result = await stack.preview();
        assert.ok((result.changeSummary.create ?? 0) > 0, JSON.stringify(result.changeSummary));
        assertUntouched();
    });

    for (const c of BAD_INPUT_CASES) {
        it(`rejects ${c.name}${c.refusedAt ? ` at ${c.refusedAt} (preview warns)` : ""}: names ${c.field} and the fix, touches no host`, async () => {
            const stack = await caseStack(c);
            let output = "";
            if (c.refusedAt === "up") {
                const warnings: string[] = [];
                await stack.preview({ onOutput: (s) => (output += s), onEvent: (e) => {
                        if (e.diagnosticEvent?.severity === "warning") warnings.push(e.diagnosticEvent.message);
                    },
                });
                assert.ok(warnings.some((w) => w.includes(c.field)), `preview did not warn about ${c.field}:\n${warnings.join("\n")}`);
            }
            const run = c.refusedAt === "up" ? stack.up({ onOutput: (s) => (output += s) }) : stack.preview({ onOutput: (s) => (output += s) });
            const error = await run.then(
                () => undefined,
                (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
            );
            assert.ok(error, `${c.refusedAt ?? "preview"} accepted the configuration:\n${output}`);
            assertNamesFieldAndFix(error.message, c);
            for (const secret of [lab.password, c.password]) {
                if (secret) assert.ok(!`${error.message}${output}`.includes(secret), "the preview printed the password");
            }
            assertUntouched();
        });
    }

    it("accepts seed 003's 2-machine layout only with allowUnsafeTopology, warning that it cannot fail over", async () => {
        const [a, b] = ctx.hosts;
        const stack = await caseStack({
            config: () => ({ hosts: [a, b], master: a!.name, replicas: [b!.name], sentinels: [a!.name, b!.name], allowUnsafeTopology: true }),
        });
        let output = "";
        await stack.preview({ onOutput: (s) => (output += s) });
        assert.match(output, /allowUnsafeTopology.*no automatic failover/);
        assertUntouched();
    });

    it("the fingerprint does notice a host being reached over SSH (so the checks above can fail)", async () => {
        const target = lab.hosts[0]!;
        execFileSync("ssh", ["-i", lab.args.privateKeyPath, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", `root@${target.address}`, "true"]);
        await eventually("sshd logged the session", 10, () => assert.notStrictEqual(hostFingerprint(target.container), before_[target.name]));
        before_[target.name] = hostFingerprint(target.container);
    });

    // The preflight step (remote/preflight.sh) checks every host before any host changes.
    it("refuses at up a port another process listens on, naming host and port, before any host changes", async () => {
        const squatter = lab.hosts[1]!;
        onHost(squatter.container, `redis-server --port ${REDIS_PORT} --save '' --appendonly no --dir /tmp --pidfile /tmp/squatter.pid --logfile /tmp/squatter.log --daemonize yes`);
        try {
            const stack = await lab.cluster({ stackName: "preflight" });
            await assert.rejects(stack.up(), (err: Error) => {
                assert.match(err.message, new RegExp(`(${squatter.name}|${squatter.address.replace(/\./g, "\\.")}).*${REDIS_PORT}|${REDIS_PORT}.*(${squatter.name}|${squatter.address.replace(/\./g, "\\.")})`));
                return true;
            });
            for (const h of lab.hosts) {
                assert.strictEqual(onHost(h.container, "ls -d /etc/redis-ha /var/lib/redis-ha /var/log/redis-ha /etc/systemd/system/redis-ha-* 2>/dev/null | wc -l").trim(), "0", h.name);
                assert.strictEqual(onHost(h.container, "systemctl list-units --all --no-legend --plain 'redis-ha-*' | wc -l").trim(), "0", h.name);
            }
        } finally {
            onHost(squatter.container, "kill $(cat /tmp/squatter.pid) 2>/dev/null || true");
        }
    });
});
