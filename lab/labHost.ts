/**
 * What a lab host is, as data: one description, from which both lab drivers make the same
 * container (the docker CLI through ShellCommand, or @pulumi/docker's Container when its plugin is
 * installed). Pure: unit-tested without the engine (tests/unit/labHost.spec.ts).
 */
import { shellQuote } from "../components/remote/payload";

export interface LabNetworkSpec {
    name: string;
    /** IPv4 subnet, e.g. 10.177.77.0/24. */
    subnet: string;
    labels: Record<string, string>;
}

/** One lab host's container: a small Debian VM with systemd as PID 1. */
export interface LabContainerSpec {
    name: string;
    hostname: string;
    image: string;
    labels: Record<string, string>;
    network: string;
    ipv4Address: string;
    capAdd: string[];
    securityOpts: string[];
    /** Paths mounted as tmpfs (systemd needs /run, /run/lock; /tmp like a VM's). */
    tmpfs: string[];
    /** Host paths bound into the container, read-write. */
    binds: Array<{ hostPath: string; containerPath: string }>;
    cgroupnsMode: "host";
    /** `docker stop` then shuts the host down the way systemd does (units stopped in order), like a VM. */
    stopSignal: string;
    command: string[];
    /** root's authorized_keys: the content of the lab key's `.pub`. */
    authorizedKeysPath: string;
}

/** The label every lab container and network carries (scripts/test.sh removes stale `rht*` labs by it). */
export const LAB_LABEL = "org.redis-ha.lab";

export const labNetworkName = (lab: string) => `${lab}-net`;

export function labNetworkSpec(lab: string, subnetPrefix: string): LabNetworkSpec {
    return { name: labNetworkName(lab), subnet: `${subnetPrefix}.0/24`, labels: { [LAB_LABEL]: lab } };
}

/**
 * The flags that make a systemd container work on this kernel without --privileged
 * (../shared/notes/verified-facts.md).
 */
export function labContainerSpec(lab: string, host: { name: string; address: string }, image: string, authorizedKeysPath: string): LabContainerSpec {
    return {
        name: `${lab}-${host.name}`,
        hostname: host.name,
        image,
        labels: { [LAB_LABEL]: lab },
        network: labNetworkName(lab),
        ipv4Address: host.address,
        capAdd: ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"],
        securityOpts: ["seccomp=unconfined", "apparmor=unconfined"],
        tmpfs: ["/run", "/run/lock", "/tmp"],
        binds: [{ hostPath: "/sys/fs/cgroup", containerPath: "/sys/fs/cgroup" }],
        cgroupnsMode: "host",
        stopSignal: "SIGRTMIN+3",
        command: ["/sbin/init"],
        authorizedKeysPath,
    };
}

/**
 * The CLI driver's `docker create` for a container spec. Names, labels and flags are plain words
 * ([a-z0-9-]); only the image is quoted. The text is the one labs were created with before the
 * drivers were split (a unit spec pins it): a changed `create` would recreate every running lab host.
 */
export function dockerCreateCommand(spec: LabContainerSpec): string {
    return [
        "docker create",
        `--name ${spec.name}`,
        `--hostname ${spec.hostname}`,
        ...Object.entries(spec.labels).map(([k, v]) => `--label ${k}=${v}`),
        `--network ${spec.network}`,
        `--ip ${spec.ipv4Address}`,
        ...spec.capAdd.map((c) => `--cap-add ${c}`),
        ...spec.securityOpts.map((o) => `--security-opt ${o}`),
        ...spec.tmpfs.map((t) => `--tmpfs ${t}`),
        ...spec.binds.map((b) => `-v ${b.hostPath}:${b.containerPath}:rw`),
        `--cgroupns=${spec.cgroupnsMode}`,
        `--stop-signal ${spec.stopSignal}`,
        shellQuote(spec.image),
        ...spec.command,
    ].join(" ");
}

/** The CLI driver's `docker network create` for a network spec. */
export function dockerNetworkCreateCommand(spec: LabNetworkSpec): string {
    return ["docker network create", `--subnet ${spec.subnet}`, ...Object.entries(spec.labels).map(([k, v]) => `--label ${k}=${v}`), spec.name].join(" ");
}

/**
 * Starts the host if it exists but is stopped, then waits for it as when it was made. A machine
 * restart stops every container (the lab sets no restart policy), and the lab's state still says
 * the host is there, so `up` alone would leave it down; starting it keeps its disk (the cluster's data).
 */
export function startIfStoppedScript(spec: LabContainerSpec): string {
    return `if [ "$(docker inspect -f '{{.State.Running}}' ${spec.name} 2>/dev/null)" = false ]; then echo "${spec.hostname} was stopped: starting it" && docker start ${spec.name} >/dev/null && ${readinessScript(spec)}; fi`;
}

/**
 * Waits until a started host has booted (systemd done, sshd answering, Debian's redis-server up):
 * the same wait after either driver. `systemctl is-system-running --wait` cannot wait for a system
 * manager whose bus is not up yet (right after `docker start`, on a loaded machine): it fails at once
 * with "Failed to connect to bus", so the units are polled first, quietly, and the last check says
 * what is still down.
 */
export function readinessScript(spec: LabContainerSpec): string {
    return [
        `for i in $(seq 90); do docker exec ${spec.name} systemctl is-active --quiet ssh redis-server 2>/dev/null && break; sleep 1; done`,
        `{ timeout 90 docker exec ${spec.name} systemctl is-system-running --wait >/dev/null 2>&1 || true; }`,
        `for i in $(seq 60); do timeout 2 bash -c 'exec 3<>/dev/tcp/${spec.ipv4Address}/22' 2>/dev/null && break; sleep 1; done`,
        `docker exec ${spec.name} systemctl is-active --quiet ssh redis-server`,
        `echo ${spec.hostname} ${spec.ipv4Address} ready`,
    ].join(" && ");
}
