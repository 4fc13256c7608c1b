/**
 * The lab's two drivers make the same container from one host description, and the CLI driver's
 * commands are exactly those labs were created with (a changed `create` would recreate a running lab).
 */
import * as assert from "assert";
import { dockerCreateCommand, dockerNetworkCreateCommand, labContainerSpec, labNetworkSpec } from "../../lab/labHost";
import { labDriverOfResources } from "../../lab/automation";
import * as pulumi from "@pulumi/pulumi";
import { cliCreateScript, cliHostOptions, dockerContainerArgs, dockerNetworkArgs } from "../../lab/labProgram";

const spec = labContainerSpec("rhlab", { name: "lab-1", address: "10.177.77.11" }, "redis-ha-lab:f0fd5acc6ffc", "/root/.cache/redis-ha/lab/id_ed25519.pub");

/** The container a `docker create` command line describes, in one canonical shape. */
function fromCli(command: string) {
    const words = command.replace(/^docker create /, "").split(" ");
    const c = { name: "", hostname: "", labels: {} as Record<string, string>, network: "", ip: "", caps: [] as string[], securityOpts: [] as string[], tmpfs: [] as string[], binds: [] as string[], cgroupns: "", stopSignal: "", image: "", command: [] as string[] };
    for (let i = 0; i < words.length; i++) {
        const w = words[i]!;
        const next = () => words[++i]!;
        if (w === "--name") c.name = next();
        else if (w === "--hostname") c.hostname = next();
        else if (w === "--label") {
            const [k, v] = next().split("=");
            c.labels[k!] = v!;
        } else if (w === "--network") c.network = next();
        else if (w === "--ip") c.ip = next();
        else if (w === "--cap-add") c.caps.push(next());
        else if (w === "--security-opt") c.securityOpts.push(next());
        else if (w === "--tmpfs") c.tmpfs.push(next());
        else if (w === "-v") c.binds.push(next());
        else if (w.startsWith("--cgroupns=")) c.cgroupns = w.slice("--cgroupns=".length);
        else if (w === "--stop-signal") c.stopSignal = next();
        else if (!c.image) c.image = w.replace(/^'(.*)'$/, "$1");
        else c.command.push(w);
    }
    return c;
}

/** The same shape from @pulumi/docker's arguments. */
function fromPulumi(args: ReturnType<typeof dockerContainerArgs>) {
    const plain = args as unknown as {
        name: string; hostname: string; image: string; labels: Array<{ label: string; value: string }>; networksAdvanced: Array<{ name: string; ipv4Address: string }>;
        capabilities: { adds: string[] }; securityOpts: string[]; tmpfs: Record<string, string>; volumes: Array<{ hostPath: string; containerPath: string; readOnly: boolean }>;
        cgroupnsMode: string; stopSignal: string; command: string[];
    };
    return {
        name: plain.name,
        hostname: plain.hostname,
        labels: Object.fromEntries(plain.labels.map((l) => [l.label, l.value])),
        network: plain.networksAdvanced[0]!.name,
        ip: plain.networksAdvanced[0]!.ipv4Address,
        caps: plain.capabilities.adds,
        securityOpts: plain.securityOpts,
        tmpfs: Object.keys(plain.tmpfs),
        binds: plain.volumes.map((v) => `${v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`),
        cgroupns: plain.cgroupnsMode,
        stopSignal: plain.stopSignal,
        image: plain.image,
        command: plain.command,
    };
}

describe("lab drivers (lab/labHost.ts)", () => {
    it("make the same container: flags, mounts, network, address, labels, image and command", () => {
        assert.deepStrictEqual(fromPulumi(dockerContainerArgs(spec, "rhlab-net", "ssh-ed25519 AAAA")), fromCli(dockerCreateCommand(spec)));
        const net = dockerNetworkArgs(labNetworkSpec("rhlab", "10.177.77")) as unknown as { name: string; ipamConfigs: Array<{ subnet: string }>; labels: Array<{ label: string; value: string }> };
        assert.deepStrictEqual([net.name, net.ipamConfigs[0]!.subnet, net.labels], ["rhlab-net", "10.177.77.0/24", [{ label: "org.redis-ha.lab", value: "rhlab" }]]);
    });

    it("the docker CLI driver's create: made, keyed, started, then waited on until the units answer (no bus error printed)", () => {
        assert.strictEqual(
            cliCreateScript(spec),
            "docker rm -f rhlab-lab-1 >/dev/null 2>&1 || true && docker create --name rhlab-lab-1 --hostname lab-1 --label org.redis-ha.lab=rhlab --network rhlab-net --ip 10.177.77.11 " +
                "--cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE --security-opt seccomp=unconfined --security-opt apparmor=unconfined --tmpfs /run --tmpfs /run/lock --tmpfs /tmp " +
                "-v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns=host --stop-signal SIGRTMIN+3 'redis-ha-lab:f0fd5acc6ffc' /sbin/init >/dev/null && " +
                "docker cp '/root/.cache/redis-ha/lab/id_ed25519.pub' rhlab-lab-1:/root/.ssh/authorized_keys && docker start rhlab-lab-1 >/dev/null && " +
                "for i in $(seq 90); do docker exec rhlab-lab-1 systemctl is-active --quiet ssh redis-server 2>/dev/null && break; sleep 1; done && " +
                "{ timeout 90 docker exec rhlab-lab-1 systemctl is-system-running --wait >/dev/null 2>&1 || true; } && " +
                "for i in $(seq 60); do timeout 2 bash -c 'exec 3<>/dev/tcp/10.177.77.11/22' 2>/dev/null && break; sleep 1; done && " +
                "docker exec rhlab-lab-1 systemctl is-active --quiet ssh redis-server && echo lab-1 10.177.77.11 ready",
        );
    });

    it("a host the CLI driver made keeps the `create` it was made with: a re-run never replaces a running host", () => {
        // Only passed through: a stand-in, so that no resource is registered outside an engine or mocks.
        const network = { urn: "rhlab-net" } as unknown as pulumi.Resource;
        assert.deepStrictEqual(cliHostOptions(network), { dependsOn: [network], ignoreChanges: ["create"] });
    });
});

describe("which driver a lab keeps (lab/automation.ts)", () => {
    const urn = (type: string, name: string) => ({ type, urn: `urn:pulumi:rhlab::redis-ha-lab::${type}::${name}` });
    it("keeps the driver that made the hosts, whatever is installed now", () => {
        assert.strictEqual(labDriverOfResources([urn("pulumi-nodejs:dynamic/redis-ha:ShellCommand", "rhlab-network"), urn("pulumi-nodejs:dynamic/redis-ha:ShellCommand", "rhlab-lab-1")]), "cli");
        assert.strictEqual(labDriverOfResources([urn("docker:index/network:Network", "rhlab-net"), urn("docker:index/container:Container", "rhlab-lab-1"), urn("pulumi-nodejs:dynamic/redis-ha:ShellCommand", "rhlab-lab-1-ready")]), "docker");
        assert.strictEqual(labDriverOfResources([]), undefined);
    });

    it("the CLI driver's network command is the one running labs were made with", () => {
        assert.strictEqual(dockerNetworkCreateCommand(labNetworkSpec("rhlab", "10.177.77")), "docker network create --subnet 10.177.77.0/24 --label org.redis-ha.lab=rhlab rhlab-net");
    });
});
