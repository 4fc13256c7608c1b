// Stack program for `pulumi up -s <env>`: reads Pulumi.<env>.yaml and deploys one RedisHaCluster.
import { redisHaStack } from "./stack/program";

const outputs = redisHaStack();
export const masterName = outputs.masterName;
export const sentinelEndpoints = outputs.sentinelEndpoints;
export const nodes = outputs.nodes;
export const connection = outputs.connection;
