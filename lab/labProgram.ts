/**
 * The lab: N containers that behave like small Debian VMs (systemd, sshd with key-only root login,
 * Debian's redis-server on 6379) on a docker network of their own with fixed addresses.
 *
 * It drives the Docker engine with the docker CLI through ShellCommand, because the `docker`
 * resource plugin cannot be installed on machines without access to Pulumi's plugin downloads
 * (see README, "Toolchain"). Every container is created, waited on and removed by Pulumi.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { ShellCommand } from "../components/exec/shellCommand";
import { shellQuote } from "../components/remote/payload";

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
}

export interface LabHost {
    name: string;
    address: string;
}

export function labHosts(args: Pick<LabArgs, "hostCount" | "subnetPrefix">): LabHost[] {
    return Array.from({ length: args.hostCount }, (_, i) => ({ name: `lab-${i + 1}`, address: `${args.subnetPrefix}.${11 + i}` }));
}

/** The flags that make a systemd container work on this kernel without --privileged. */
const SYSTEMD_CONTAINER_FLAGS = [
    "--cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE",
    "--security-opt seccomp=unconfined --security-opt apparmor=unconfined",
    "--tmpfs /run --tmpfs /run/lock --tmpfs /tmp",
    "-v /sys/fs/cgroup:/sys/fs/cgroup:rw --cgroupns=host",
    // `docker stop` then shuts the host down the way systemd does (units stopped in order), like a VM.
    "--stop-signal SIGRTMIN+3",
].join(" ");

export function labProgram(args: LabArgs) {
    const network = `${args.name}-net`;
    const net = new ShellCommand(`${args.name}-network`, {
        create: `docker network inspect ${network} >/dev/null 2>&1 || docker network create --subnet ${args.subnetPrefix}.0/24 --label org.redis-ha.lab=${args.name} ${network}`,
        delete: `docker network rm ${network} >/dev/null 2>&1 || true`,
    });
    const pubKey = `${args.privateKeyPath}.pub`;
    const hosts = labHosts(args).map((host) => {
        const container = `${args.name}-${host.name}`;
        const q = shellQuote;
        new ShellCommand(
            `${args.name}-${host.name}`,
            {
                create: [
                    `docker rm -f ${container} >/dev/null 2>&1 || true`,
                    `docker create --name ${container} --hostname ${host.name} --label org.redis-ha.lab=${args.name} --network ${network} --ip ${host.address} ${SYSTEMD_CONTAINER_FLAGS} ${q(args.image)} /sbin/init >/dev/null`,
                    `docker cp ${q(pubKey)} ${container}:/root/.ssh/authorized_keys`,
                    `docker start ${container} >/dev/null`,
                    // A host is ready when systemd has finished booting and sshd answers.
                    `timeout 90 docker exec ${container} systemctl is-system-running --wait >/dev/null || true`,
                    `for i in $(seq 60); do timeout 2 bash -c 'exec 3<>/dev/tcp/${host.address}/22' 2>/dev/null && break; sleep 1; done`,
                    `docker exec ${container} systemctl is-active --quiet ssh redis-server`,
                    `echo ${host.name} ${host.address} ready`,
                ].join(" && "),
                delete: `docker rm -f ${container} >/dev/null 2>&1 || true`,
            },
            { dependsOn: [net] },
        );
        return host;
    });
    return {
        hosts,
        network,
        privateKeyPath: args.privateKeyPath,
        privateKey: pulumi.secret(fs.readFileSync(args.privateKeyPath, "utf8")),
    };
}
