/**
 * redis-ha: Pulumi components that deploy a highly available Redis onto existing hosts over SSH.
 */
export { RedisHaCluster, RedisHaClusterArgs, SentinelEndpoint, NodeRoles, ClientConnectionInfo } from "./redisHaCluster";
export { RedisDataNode, RedisDataNodeArgs } from "./redisDataNode";
export { SentinelNode, SentinelNodeArgs } from "./sentinelNode";
export { ClusterTopologyArgs, ConfigProblem, RedisHaConfigError, resolveClusterSpec } from "./config/validate";
export { HostArgs, RedisSettings, SentinelSettings, SshSettings } from "./config/types";
export { ClusterSpec, HostSpec } from "./config/spec";
export * as defaults from "./config/defaults";
