/**
 * Faults on a real lab while the visit counter writes through Sentinel, under the durability policy
 * of the stack config (min-replicas-to-write 1, AOF everysec) and with each increment confirmed by
 * one replica (WAIT 1). Each fault: the right failover (or none), the old master back as a replica,
 * no acknowledged increment lost, and a following `pulumi up` that changes nothing.
 */
import * as assert from "assert";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { TestLab, createTestLab, field, labLeftovers, onHost, redisCli } from "./labHarness";
import { DURABILITY_CONFIG, FAULT_SCENARIOS, runFault, waitHealthy } from "./faultScenarios";

const LAB = "rhtfault";

describe("faults on the lab, with the visit counter writing through Sentinel", function () {
    this.timeout(20 * 60 * 1000);
    let lab: TestLab;
    let stack: Stack;

    before(async () => {
        lab = await createTestLab(LAB, "10.177.80");
        stack = await lab.cluster({ config: DURABILITY_CONFIG });
        await stack.up();
    });

    after(async () => {
        if (lab) await lab.destroy();
        assert.strictEqual(labLeftovers(LAB), "", "the fault lab left containers or networks behind");
    });

    for (const scenario of FAULT_SCENARIOS) {
        it(`${scenario.description}: ${scenario.expectFailover === false ? "no failover" : scenario.expectFailover ? "failover" : "whichever master Sentinel keeps"}, old master rejoins, no confirmed write lost, up --refresh is a no-op`, async () => {
            const result = await runFault(lab, scenario, { waitReplicas: 1, key: `faults:${scenario.name}` });
            if (scenario.expectFailover !== undefined) assert.strictEqual(result.failedOver, scenario.expectFailover, JSON.stringify(result));
            assert.strictEqual(result.lost, 0, `confirmed visits lost: ${JSON.stringify(result)}`);
            console.log(`      ${result.confirmed} confirmed, ${result.unconfirmed} unconfirmed, ${result.errors} refused, ${result.lost} lost, longest gap ${result.writeOutageSeconds} s`);
            assert.ok(result.confirmed > 40, JSON.stringify(result));
            const old = lab.hosts.find((h) => h.name === result.oldMaster)!;
            const role = redisCli(old.container, lab.password, 6389, "INFO", "replication");
            assert.strictEqual(field(role, "role"), result.failedOver ? "slave" : "master", `${old.name} after the fault`);
            if (result.failedOver) assert.strictEqual(field(role, "master_link_status"), "up", `${old.name} rejoined as a replica`);
            // Drift checks included: after a failover nothing of ours differs from what was applied.
            await stack.preview({ expectNoChanges: true, refresh: true });
            const up = await stack.up({ refresh: true });
            assert.deepStrictEqual(Object.keys(up.summary.resourceChanges ?? {}).filter((k) => k !== "same"), [], "up --refresh after the fault changed something");
        });
    }

    it("kept the counter and the cluster through all of it", async () => {
        await waitHealthy(lab);
        const restarted = redisCli(lab.hosts[0]!.container, lab.password, 26389, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "lab").split("\n")[0]!;
        const master = lab.hosts.find((h) => h.address === restarted)!;
        // The counter written before all hosts were shut down survived the restart (seed 000's test).
        assert.ok(Number(redisCli(master.container, lab.password, 6389, "GET", "faults:master-killed")) > 40);
        assert.match(onHost(master.container, "systemctl is-active redis-ha-lab-server redis-ha-lab-sentinel"), /^active\nactive/);
    });

    // A PR pipeline previews with no SSH key (and may reach no host): connections are planned as they are
    // in the state, so the preview shows exactly the changes a keyed preview shows.
    it("previews without the SSH private key: nothing for the deployed cluster, and a change exactly as with the key", async () => {
        const keyless = { "redis-ha:ssh": { user: "root", privateKeyPath: "/nonexistent/redis-ha/id_ed25519" } };
        const warnings: string[] = [];
        const onEvent = (e: EngineEvent) => {
            if (e.diagnosticEvent?.severity === "warning") warnings.push(e.diagnosticEvent.message);
        };
        await (await lab.cluster({ config: { ...DURABILITY_CONFIG, ...keyless } })).preview({ expectNoChanges: true, onEvent });
        assert.ok(warnings.some((w) => /sshPrivateKey: no SSH private key is given; previewing without it/.test(w)), warnings.join("\n"));
        // A live directive (maxmemory) and one that changes the unit (maxclients: LimitNOFILE), which also
        // changes the drift check's inputs: the reviewer must see both lines, never `[unknown]`.
        const change = { "redis-ha:redis": { ...DURABILITY_CONFIG["redis-ha:redis"], maxmemory: "48mb", maxclients: 2000 } };
        let printed = "";
        const updated: string[] = [];
        const reviews = new Map<string, { old: unknown; new: unknown }>();
        const without = await (await lab.cluster({ config: { ...DURABILITY_CONFIG, ...keyless, ...change } })).preview({
            diff: true,
            onOutput: (o) => (printed += o),
            onEvent: (e) => {
                const m = e.resourcePreEvent?.metadata;
                if (m?.op !== "update") return;
                const name = m.urn.split("::").pop()!;
                updated.push(name);
                reviews.set(name, { old: m.old?.inputs.files, new: m.new?.inputs.files });
            },
        });
        // What a reviewer reads: the changed lines of each data node's files, on its host's programs step
        // (its `files` input, known in the preview), and no sentinel.conf changed.
        const programs = updated.filter((u) => u.endsWith("-programs"));
        assert.strictEqual(programs.length, 3, updated.join(", "));
        for (const step of programs) {
            const review = reviews.get(step)!;
            const files = (value: unknown, suffix: string): string[] => {
                assert.ok(value !== null && typeof value === "object", `${step}: its files input is not known in the preview: ${JSON.stringify(value)}`);
                const entry = Object.entries(value as Record<string, unknown>).find(([file]) => file.endsWith(suffix));
                assert.ok(entry && typeof entry[1] === "string", `${step}: no ${suffix} in ${Object.keys(value).join(", ")}`);
                return entry[1].split("\n");
            };
            const added = (suffix: string) => {
                const before = files(review.old, suffix);
                return files(review.new, suffix).filter((line) => !before.includes(line));
            };
            assert.deepStrictEqual(added("/redis.conf"), ["maxclients 2000", "maxmemory 48mb"], step);
            assert.deepStrictEqual(added("-server.service"), ["LimitNOFILE=2032"], step);
            assert.deepStrictEqual(added("/sentinel.conf"), [], step);
        }
        assert.doesNotMatch(printed, /\[unknown\]/, `the preview shows an unknown value:\n${printed.slice(-4000)}`);
        assert.deepStrictEqual(updated.filter((u) => u.endsWith("-sentinel-apply")), [], updated.join(", "));
        const withKey = await (await lab.cluster({ config: { ...DURABILITY_CONFIG, ...change } })).preview();
        assert.deepStrictEqual(without.changeSummary, withKey.changeSummary);
        assert.ok((without.changeSummary.update ?? 0) > 0, JSON.stringify(without.changeSummary));
        // A dynamic resource's update lists every input (`connection: [secret]`); a change would be `~ connection`.
        assert.doesNotMatch(printed, /~ connection/, `the keyless preview shows a connection change:\n${printed}`);
        // `up` needs the key: refused before anything is registered.
        await assert.rejects((await lab.cluster({ config: { ...DURABILITY_CONFIG, ...keyless, ...change } })).up(), /redis-ha:ssh\.privateKeyPath: cannot read \/nonexistent\/redis-ha\/id_ed25519 \(no such file\)/);
        await (await lab.cluster({ config: DURABILITY_CONFIG })).preview({ expectNoChanges: true });
    });
});
