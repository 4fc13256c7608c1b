// Two clusters on the same hosts, as another stack would compose them: `orders` and `sessions`,
// each with its own ports, units (redis-ha-<name>-server/-sentinel), directories and password, so
// that either can change or go without touching the other (or the host's own Redis on 6379).
//
// Config (namespace `consumer`): `hosts` ([{name, address, hostKey}], three of them),
// `sshPrivateKeyPath`, the secrets `ordersPassword` / `sessionsPassword`, optionally `executor`.
// Install: `npm pack` in the repo root (writes ../../redis-ha-0.1.0.tgz), then `npm install` here.
import * as fs from "fs";
import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { Host, RedisHaCluster } from "redis-ha";

const config = new pulumi.Config("consumer");
const hosts = config.requireObject<Host[]>("hosts");
const [first, ...others] = hosts.map((h) => h.name);
if (first === undefined || others.length < 2) throw new Error("consumer:hosts: give three hosts (one master, two replicas, a sentinel on each)");
const master: string = first;
const keyPath = config.require("sshPrivateKeyPath").replace(/^~(?=\/)/, os.homedir());
const sshPrivateKey = pulumi.secret(fs.readFileSync(keyPath, "utf8"));

function cluster(name: string, redisPort: number, sentinelPort: number): RedisHaCluster {
    return new RedisHaCluster(name, {
        clusterName: name,
        hosts,
        master,
        replicas: others,
        sentinels: [master, ...others],
        redisPort,
        sentinelPort,
        ssh: { user: "root" },
        password: config.requireSecret(`${name}Password`),
        sshPrivateKey,
        executor: config.get("executor") === "dynamic" ? "dynamic" : "command",
    });
}

const orders = cluster("orders", 6391, 26391);
// `consumer:sessions: false` removes that cluster from the hosts; `orders` must not notice.
const sessions = config.getBoolean("sessions") === false ? undefined : cluster("sessions", 6393, 26393);
export const ordersConnection = orders.connection;
export const sessionsConnection = sessions?.connection;
