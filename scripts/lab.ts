/**
 * `lab up`: creates the lab hosts and deploys a RedisHaCluster into them (stack "lab"), repairing a
 * cluster whose services died (lab/converge.ts); says "healthy" only after looking.
 * `lab down`: destroys the cluster, then the lab. Run through scripts/lab.sh, which prepares the
 * toolchain and the lab image (LAB_IMAGE). REDIS_HA_LAB_DIR, REDIS_HA_LAB_NAME and
 * REDIS_HA_LAB_SUBNET make another lab beside this one (the specs that walk this command use them).
 */
import * as path from "path";
import { ROOT, clusterStack, defaultSandbox, deployedExecutor, engineEnv, labArgs, labClusterConfig, labExecutor, labPassword, labPasswordFile, labStack, startStoppedLabHosts } from "../lab/automation";
import { healthProblems } from "../lab/clusterHealth";
import { convergeHealthy } from "../lab/converge";

interface Connection {
    masterName: string;
    sentinels: Array<{ host: string; port: number }>;
    redisCli: string;
}

async function main(action: string): Promise<void> {
    const sandbox = defaultSandbox();
    const image = process.env.LAB_IMAGE ?? "redis-ha-lab:latest";
    const args = labArgs(sandbox, { image, name: process.env.REDIS_HA_LAB_NAME, subnetPrefix: process.env.REDIS_HA_LAB_SUBNET });
    const lab = await labStack(sandbox, args);
    const onOutput = (s: string) => process.stdout.write(s);

    if (action === "up") {
        startStoppedLabHosts(args);
        await lab.up({ onOutput });
        const { config, secrets } = labClusterConfig(sandbox, args);
        const cluster = await clusterStack(sandbox, "lab", { config, secrets });
        // What labClusterConfig picked for this machine (detectExecutor): asked once, it lists the plugins.
        const configured = config["redis-ha:executor"] === "command" ? "command" : "dynamic";
        const { executor, kept } = labExecutor(await deployedExecutor(cluster), configured, process.env.REDIS_HA_EXECUTOR);
        if (kept) {
            console.log(`[lab] keeping the executor this cluster was deployed with (${executor}); REDIS_HA_EXECUTOR=${configured} switches it`);
            await cluster.setConfig("redis-ha:executor", { value: executor });
        }
        const env = engineEnv(sandbox);
        // Printed for a fresh shell: npm finds the project wherever the shell is, and the operator
        // command finds the project's Pulumi CLI (ops/cli.ts) when none is on PATH.
        const status = `PULUMI_BACKEND_URL=${env.PULUMI_BACKEND_URL} PULUMI_CONFIG_PASSPHRASE_FILE=${env.PULUMI_CONFIG_PASSPHRASE_FILE} npm --prefix ${ROOT} run -s ops -- status -s lab --cwd ${cluster.workspace.workDir}`;
        const password = labPassword(sandbox);
        const result = await convergeHealthy(
            "lab",
            {
                up: (refresh) => cluster.up({ onOutput, refresh }),
                // Looked at from outside, as a client does: the deployment's own gate runs only when a step ran.
                problems: (r) => {
                    const conn = r.outputs.connection?.value as Connection;
                    const nodes = r.outputs.nodes?.value as Array<{ roles: string[] }>;
                    const dataNodes = nodes.filter((n) => n.roles.includes("replica") || n.roles.includes("master")).length;
                    return healthProblems({ masterName: conn.masterName, sentinels: conn.sentinels, password, expectReplicas: dataNodes - 1 });
                },
                say: (line) => console.log(line),
            },
            status,
        );
        const conn = result.outputs.connection?.value as Connection;
        const passwordFile = labPasswordFile(sandbox);
        console.log(`
redis-ha lab is up and healthy: master name "${conn.masterName}", sentinels ${conn.sentinels.map((s) => `${s.host}:${s.port}`).join(", ")}.
Connect (the password is in ${passwordFile}, passed through the environment, never on the command line):
  export REDISCLI_AUTH="$(cat ${passwordFile})"
  ${conn.redisCli}
  redis-cli --no-auth-warning -h <master ip> -p 6389 SET hello world
  ioredis: new Redis({ name: "${conn.masterName}", sentinels: ${JSON.stringify(conn.sentinels)}, password, sentinelPassword: password })
Live status and switchover (README "Day-3"), with the lab's backend:
  ${status}
State and secrets: ${sandbox.dir}. Tear down with: bash ${path.join(ROOT, "scripts", "lab.sh")} down`);
    } else if (action === "down") {
        const cluster = await clusterStack(sandbox, "lab", { config: { "redis-ha:ssh": { user: "root", privateKeyPath: args.privateKeyPath } } });
        await cluster.destroy({ onOutput });
        await lab.destroy({ onOutput });
    } else {
        throw new Error(`unknown action ${JSON.stringify(action)}: use "up" or "down"`);
    }
}

main(process.argv[2] ?? "up").catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
