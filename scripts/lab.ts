/**
 * `lab up`: creates the lab hosts and deploys a RedisHaCluster into them (stack "lab").
 * `lab down`: destroys the cluster, then the lab. Run through scripts/lab.sh, which prepares the
 * toolchain and the lab image (LAB_IMAGE).
 */
import { clusterStack, defaultSandbox, deployedExecutor, engineEnv, labArgs, labClusterConfig, labPassword, labPasswordFile, labStack, startStoppedLabHosts } from "../lab/automation";
import { assertClusterHealthy } from "../lab/clusterHealth";

async function main(action: string): Promise<void> {
    const sandbox = defaultSandbox();
    const image = process.env.LAB_IMAGE ?? "redis-ha-lab:latest";
    const args = labArgs(sandbox, { image });
    const lab = await labStack(sandbox, args);
    const onOutput = (s: string) => process.stdout.write(s);

    if (action === "up") {
        startStoppedLabHosts(args);
        await lab.up({ onOutput });
        const { config, secrets } = labClusterConfig(sandbox, args);
        const cluster = await clusterStack(sandbox, "lab", { config, secrets });
        const deployed = await deployedExecutor(cluster);
        if (deployed && deployed !== config["redis-ha:executor"] && !process.env.REDIS_HA_EXECUTOR) {
            console.log(`[lab] keeping the executor this cluster was deployed with (${deployed}); REDIS_HA_EXECUTOR=${String(config["redis-ha:executor"])} switches it`);
            await cluster.setConfig("redis-ha:executor", { value: deployed });
        }
        const result = await cluster.up({ onOutput });
        const conn = result.outputs.connection?.value as { masterName: string; sentinels: Array<{ host: string; port: number }>; redisCli: string };
        const nodes = result.outputs.nodes?.value as Array<{ roles: string[] }>;
        // Said only after looking: the deployment's own gate ran on a host; this is what a client sees.
        await assertClusterHealthy({
            masterName: conn.masterName,
            sentinels: conn.sentinels,
            password: labPassword(sandbox),
            expectReplicas: nodes.filter((n) => n.roles.includes("replica") || n.roles.includes("master")).length - 1,
        });
        const passwordFile = labPasswordFile(sandbox);
        const env = engineEnv(sandbox);
        console.log(`
redis-ha lab is up and healthy: master name "${conn.masterName}", sentinels ${conn.sentinels.map((s) => `${s.host}:${s.port}`).join(", ")}.
Connect (the password is in ${passwordFile}, passed through the environment, never on the command line):
  export REDISCLI_AUTH="$(cat ${passwordFile})"
  ${conn.redisCli}
  redis-cli --no-auth-warning -h <master ip> -p 6389 SET hello world
  ioredis: new Redis({ name: "${conn.masterName}", sentinels: ${JSON.stringify(conn.sentinels)}, password, sentinelPassword: password })
Live status and switchover (README "Day-3"), with the lab's backend:
  PULUMI_BACKEND_URL=${env.PULUMI_BACKEND_URL} PULUMI_CONFIG_PASSPHRASE_FILE=${env.PULUMI_CONFIG_PASSPHRASE_FILE} npm run -s ops -- status -s lab --cwd ${cluster.workspace.workDir}
State and secrets: ${sandbox.dir}. Tear down with: bash scripts/lab.sh down`);
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
