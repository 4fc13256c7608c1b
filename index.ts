// Stack program for `pulumi up -s <env>`: reads Pulumi.<env>.yaml and deploys one RedisHaCluster.
// The CLI runs its compiled form, bin/index.js (`npm run build`; see stack/compiled.ts).
import * as pulumi from "@pulumi/pulumi";
import { assertBuildCurrent, skipSourceMapLookups } from "./stack/compiled";
import { redisHaStack } from "./stack/program";

skipSourceMapLookups(__filename);
assertBuildCurrent(__filename, (message) => new pulumi.RunError(message));
const outputs = redisHaStack();
export const masterName = outputs.masterName;
export const sentinelEndpoints = outputs.sentinelEndpoints;
export const nodes = outputs.nodes;
export const connection = outputs.connection;
