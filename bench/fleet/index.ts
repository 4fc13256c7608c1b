/**
 * The deploy benchmark's stack (bench/deploy.ts): several RedisHaClusters in one program, as a user's
 * own stack composes them from the package, run by the `pulumi` CLI in its compiled form (built
 * with the package: tsconfig.build.json; not shipped).
 *
 * Config (namespace `fleet`): `clusters`: [{ name, hosts: [{ name, address, hostKey }] }], each
 * cluster's first host its master, the others replicas, a sentinel on every host;
 * `sshPrivateKeyPath`; the secret `password`; `executor` (`command` unless `dynamic`).
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { Host, RedisHaCluster } from "../../components";
import { skipSourceMapLookups } from "../../stack/compiled";

skipSourceMapLookups(__filename);

interface FleetCluster {
    name: string;
    hosts: Host[];
}

const config = new pulumi.Config("fleet");
const clusters = config.requireObject<FleetCluster[]>("clusters");
const keyPath = config.get("sshPrivateKeyPath");
const sshPrivateKey = keyPath ? pulumi.secret(fs.readFileSync(keyPath, "utf8")) : undefined;
const password = config.requireSecret("password");

export const masters = clusters.map(({ name, hosts }) => {
    const names = hosts.map((h) => h.name);
    const [master = "", ...replicas] = names;
    const cluster = new RedisHaCluster(name, {
        clusterName: name,
        hosts,
        master,
        replicas,
        sentinels: names,
        quorum: Math.floor(names.length / 2) + 1,
        // As the lab's stack (Pulumi.lab.yaml).
        sentinel: { downAfterMilliseconds: 3000, failoverTimeout: 10000 },
        ssh: { user: "root" },
        password,
        sshPrivateKey,
        executor: config.get("executor") === "dynamic" ? "dynamic" : "command",
    });
    return cluster.masterName;
});
