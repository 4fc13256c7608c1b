/**
 * `lab up`: creates the lab hosts and deploys a RedisHaCluster into them (stack "lab").
 * `lab down`: destroys the cluster, then the lab. Run through scripts/lab.sh, which prepares the
 * toolchain and the lab image (LAB_IMAGE).
 */
import { clusterStack, defaultSandbox, labArgs, labClusterConfig, labPasswordFile, labStack } from "../lab/automation";

async function main(action: string): Promise<void> {
    const sandbox = defaultSandbox();
    const image = process.env.LAB_IMAGE ?? "redis-ha-lab:latest";
    const args = labArgs(sandbox, { image });
    const lab = await labStack(sandbox, args);
    const { config, secrets } = labClusterConfig(sandbox, args);
    const cluster = await clusterStack(sandbox, "lab", { config, secrets });
    const onOutput = (s: string) => process.stdout.write(s);

    if (action === "up") {
        await lab.up({ onOutput });
        const result = await cluster.up({ onOutput });
        const conn = result.outputs.connection?.value as { masterName: string; sentinels: Array<{ host: string; port: number }>; redisCli: string };
        const passwordFile = labPasswordFile(sandbox);
        console.log(`
redis-ha lab is up: master name "${conn.masterName}", sentinels ${conn.sentinels.map((s) => `${s.host}:${s.port}`).join(", ")}.
Connect (the password is in ${passwordFile}, passed through the environment, never on the command line):
  export REDISCLI_AUTH="$(cat ${passwordFile})"
  ${conn.redisCli}
  redis-cli --no-auth-warning -h <master ip> -p 6389 SET hello world
  ioredis: new Redis({ name: "${conn.masterName}", sentinels: ${JSON.stringify(conn.sentinels)}, password, sentinelPassword: password })
State and secrets: ${sandbox.dir}. Tear down with: bash scripts/lab.sh down`);
    } else if (action === "down") {
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
