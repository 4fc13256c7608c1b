import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HostSpec } from "./config/spec";

/**
 * The SSH connection to `host`. The key is always a secret; a host that stays unreachable fails
 * after a few dials with an error that names its address, instead of hanging the update.
 */
export function sshConnection(host: HostSpec, privateKey: pulumi.Input<string>): command.types.input.remote.ConnectionArgs {
    return {
        host: host.sshHost,
        port: host.sshPort,
        user: host.sshUser,
        privateKey: pulumi.secret(privateKey),
        dialErrorLimit: 3,
        perDialTimeout: 10,
    };
}
