/**
 * The lab: N containers that behave like small Debian VMs (systemd, sshd with key-only root login,
 * Debian's redis-server on 6379) on a docker network of their own with fixed addresses.
 *
 * One host description (lab/labHost.ts), two thin drivers: @pulumi/docker's Network and Container
 * when its `docker` plugin is installed (what every Pulumi user gets), and otherwise the docker CLI
 * through ShellCommand (machines that cannot download plugins, see README "Toolchain"). Either way
 * every container is created, waited on and removed by Pulumi.
 */
import * as fs from "fs";
import { execFileSync } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ShellCommand } from "../components/exec/shellCommand";
import { shellQuote } from "../components/remote/payload";
import { LabContainerSpec, LabNetworkSpec, dockerCreateCommand, dockerNetworkCreateCommand, labContainerSpec, labNetworkSpec, readinessScript } from "./labHost";

export interface LabArgs {
    /** Prefix of container and network names; lets several labs coexist. */
    name: string;
    /** How many hosts (default 3). */
    hostCount: number;
    /** /24 prefix of the lab network, e.g. "10.177.77"; hosts get .11, .12, ... */
    subnetPrefix: string;
    /** Image built by scripts/build-lab-image.sh. */
    image: string;
    /** Private key file whose `.pub` is root's authorized key on every host. */
    privateKeyPath: string;
    /** Which driver makes the containers (default: `docker` when its plugin is installed, else `cli`). */
    driver?: LabDriver;
    /**
     * Hosts that exist already, with the image each was made from: a host keeps it. A newer `image`
     * would change the host's `create` (or the Container's image) and so recreate it, and the
     * cluster's data in it, on a re-run of `up`.
     */
    keptImages?: Record<string, string>;
}

export type LabDriver = "docker" | "cli";

export interface LabHost {
    name: string;
    address: string;
}

export function labHosts(args: Pick<LabArgs, "hostCount" | "subnetPrefix">): LabHost[] {
    return Array.from({ length: args.hostCount }, (_, i) => ({ name: `lab-${i + 1}`, address: `${args.subnetPrefix}.${11 + i}` }));
}

/** The `docker` plugin version @pulumi/docker asks for. */
function dockerPluginVersion(): string {
    return (JSON.parse(fs.readFileSync(require.resolve("@pulumi/docker/package.json"), "utf8")) as { pulumi: { version: string } }).pulumi.version;
}

/** `REDIS_HA_LAB_DRIVER` if set; else `docker` when the plugin @pulumi/docker needs is installed, else `cli`. */
export function detectLabDriver(): LabDriver {
    const forced = process.env.REDIS_HA_LAB_DRIVER;
    if (forced === "docker" || forced === "cli") return forced;
    try {
        const plugins = JSON.parse(execFileSync("pulumi", ["plugin", "ls", "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }) || "[]") as Array<{ name: string; kind: string; version: string }>;
        const version = dockerPluginVersion();
        return plugins.some((p) => p.name === "docker" && p.kind === "resource" && p.version === version) ? "docker" : "cli";
    } catch {
        return "cli";
    }
}

/** @pulumi/docker's arguments for a container spec: the same container as `dockerCreateCommand` (tests/unit/labHost.spec.ts). */
export function dockerContainerArgs(spec: LabContainerSpec, network: pulumi.Input<string>, authorizedKeys: string): docker.ContainerArgs {
    return {
        name: spec.name,
        hostname: spec.hostname,
        image: spec.image,
        labels: Object.entries(spec.labels).map(([label, value]) => ({ label, value })),
        networksAdvanced: [{ name: network, ipv4Address: spec.ipv4Address }],
        capabilities: { adds: spec.capAdd },
        securityOpts: spec.securityOpts,
        tmpfs: Object.fromEntries(spec.tmpfs.map((t) => [t, ""])),
        volumes: spec.binds.map((b) => ({ hostPath: b.hostPath, containerPath: b.containerPath, readOnly: false })),
        cgroupnsMode: spec.cgroupnsMode,
        stopSignal: spec.stopSignal,
        command: spec.command,
        uploads: [{ file: "/root/.ssh/authorized_keys", content: authorizedKeys, permissions: "0600" }],
        mustRun: true,
    };
}

export function dockerNetworkArgs(spec: LabNetworkSpec): docker.NetworkArgs {
    return { name: spec.name, ipamConfigs: [{ subnet: spec.subnet }], labels: Object.entries(spec.labels).map(([label, value]) => ({ label, value })) };
}

/** The docker CLI driver: each container made, keyed and started by one ShellCommand (resource names and commands as before the split). */
function cliDriver(lab: string, net: LabNetworkSpec, containers: LabContainerSpec[]): void {
    const network = new ShellCommand(`${lab}-network`, {
        create: `docker network inspect ${net.name} >/dev/null 2>&1 || ${dockerNetworkCreateCommand(net)}`,
        delete: `docker network rm ${net.name} >/dev/null 2>&1 || true`,
    });
    for (const c of containers) {
        new ShellCommand(c.name, { create: cliCreateScript(c), delete: `docker rm -f ${c.name} >/dev/null 2>&1 || true` }, cliHostOptions(network));
    }
}

/**
 * A host made by the CLI driver is never made again by a re-run: a changed `create` would run again
 * and replace the running container (and the cluster's data in it). So a host keeps the `create` it
 * was made with (labs made before a change to `cliCreateScript` keep theirs); `lab.sh down`, then
 * up, makes the lab with the current one.
 */
export function cliHostOptions(network: pulumi.Resource): pulumi.CustomResourceOptions {
    return { dependsOn: [network], ignoreChanges: ["create"] };
}

/** The CLI driver's whole `create` of one host: made, keyed, started, waited on. */
export function cliCreateScript(c: LabContainerSpec): string {
    return [
        `docker rm -f ${c.name} >/dev/null 2>&1 || true`,
        `${dockerCreateCommand(c)} >/dev/null`,
        `docker cp ${shellQuote(c.authorizedKeysPath)} ${c.name}:/root/.ssh/authorized_keys`,
        `docker start ${c.name} >/dev/null`,
        readinessScript(c),
    ].join(" && ");
}

/** The @pulumi/docker driver: Network and Container resources, then the same readiness wait. */
function dockerDriver(net: LabNetworkSpec, containers: LabContainerSpec[]): void {
    const network = new docker.Network(net.name, dockerNetworkArgs(net));
    for (const c of containers) {
        const container = new docker.Container(c.name, dockerContainerArgs(c, network.name, fs.readFileSync(c.authorizedKeysPath, "utf8")));
        new ShellCommand(`${c.name}-ready`, { create: readinessScript(c) }, { dependsOn: [container] });
    }
}

export function labProgram(args: LabArgs) {
    const net = labNetworkSpec(args.name, args.subnetPrefix);
    const hosts = labHosts(args);
    const containers = hosts.map((h) => labContainerSpec(args.name, h, args.keptImages?.[h.name] ?? args.image, `${args.privateKeyPath}.pub`));
    if ((args.driver ?? "cli") === "docker") dockerDriver(net, containers);
    else cliDriver(args.name, net, containers);
    return {
        hosts,
        network: net.name,
        privateKeyPath: args.privateKeyPath,
        privateKey: pulumi.secret(fs.readFileSync(args.privateKeyPath, "utf8")),
    };
}
