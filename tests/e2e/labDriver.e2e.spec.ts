/**
 * The lab on @pulumi/docker (its `docker` plugin installed): the hosts it makes are the containers the
 * docker CLI driver makes (flags, mounts, network, address, labels, only the lab's network), a
 * cluster deploys into them healthy, a second preview changes nothing, and destroy leaves nothing.
 * Without the plugin the lab uses the CLI driver (every other spec) and this spec is reported as not run.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import { detectLabDriver } from "../../lab/labProgram";
import { labContainerSpec } from "../../lab/labHost";
import { waitHealthy } from "./faultScenarios";
import { TestLab, createTestLab, labLeftovers, notRun } from "./labHarness";

const LAB = "rhtdocker";

interface Inspected {
    Config: { Hostname: string; Labels: Record<string, string>; Image: string; Cmd: string[]; StopSignal: string };
    HostConfig: { CapAdd: string[]; SecurityOpt: string[]; Tmpfs: Record<string, string>; Binds: string[] | null; Mounts?: Array<{ Source: string; Target: string; ReadOnly?: boolean }>; CgroupnsMode: string; Privileged: boolean };
    NetworkSettings: { Networks: Record<string, { IPAMConfig?: { IPv4Address?: string } }> };
}

describe("the lab on @pulumi/docker (docker.Network, docker.Container)", function () {
    this.timeout(15 * 60 * 1000);
    let lab: TestLab | undefined;

    before(async function () {
        // Forced to the CLI driver, or no plugin: nothing of @pulumi/docker to try.
        if (detectLabDriver() !== "docker") notRun(this, "the lab on @pulumi/docker", "the `docker` resource plugin @pulumi/docker asks for");
        lab = await createTestLab(LAB, "10.177.89");
    });

    after(async () => {
        if (lab) await lab.destroy();
        assert.strictEqual(labLeftovers(LAB), "", "the docker-driver lab left containers or networks behind");
    });

    it("makes the hosts the CLI driver makes, deploys a healthy cluster into them, and previews them as unchanged", async () => {
        const state = await lab!.lab.exportStack();
        const types = ((state.deployment as { resources?: Array<{ type: string }> }).resources ?? []).map((r) => r.type);
        assert.strictEqual(types.filter((t) => t === "docker:index/container:Container").length, 3, types.join(", "));
        assert.ok(types.includes("docker:index/network:Network"), types.join(", "));
        for (const h of lab!.hosts) {
            const want = labContainerSpec(LAB, h, lab!.args.image, `${lab!.args.privateKeyPath}.pub`);
            const [got] = JSON.parse(execFileSync("docker", ["inspect", h.container], { encoding: "utf8" })) as Inspected[];
            assert.ok(got);
            assert.strictEqual(got.Config.Hostname, want.hostname);
            assert.strictEqual(got.Config.Labels["org.redis-ha.lab"], LAB);
            assert.deepStrictEqual(got.Config.Cmd, want.command);
            assert.strictEqual(got.Config.StopSignal, want.stopSignal);
            const caps = (list: string[]) => list.map((c) => c.replace(/^CAP_/, "")).sort();
            assert.deepStrictEqual(caps(got.HostConfig.CapAdd), caps(want.capAdd));
            assert.deepStrictEqual([...got.HostConfig.SecurityOpt].sort(), [...want.securityOpts].sort());
            assert.deepStrictEqual(Object.keys(got.HostConfig.Tmpfs).sort(), [...want.tmpfs].sort());
            const binds = [...(got.HostConfig.Binds ?? []), ...(got.HostConfig.Mounts ?? []).map((m) => `${m.Source}:${m.Target}:${m.ReadOnly ? "ro" : "rw"}`)];
            assert.ok(binds.some((b) => b.startsWith("/sys/fs/cgroup:/sys/fs/cgroup")), JSON.stringify(binds));
            assert.strictEqual(got.HostConfig.CgroupnsMode, want.cgroupnsMode);
            assert.strictEqual(got.HostConfig.Privileged, false);
            // Only the lab's own network, at the host's address (not docker's default bridge too).
            assert.deepStrictEqual(Object.keys(got.NetworkSettings.Networks), [`${LAB}-net`]);
            assert.strictEqual(got.NetworkSettings.Networks[`${LAB}-net`]?.IPAMConfig?.IPv4Address, h.address);
        }
        await (await lab!.cluster({})).up();
        await waitHealthy(lab!);
        await lab!.lab.preview({ expectNoChanges: true });
    });
});
