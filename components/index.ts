/**
 * redis-ha: Pulumi components that deploy a highly available Redis onto existing hosts over SSH.
 */
export { RedisHaCluster, RedisHaClusterArgs, SentinelEndpoint, NodeRole, NodeRoles, IoredisSentinelOptions, ClientConnectionInfo, ExporterKind, ScrapeTarget } from "./redisHaCluster";
export { Executor } from "./hostStep";
export { RedisDataNode, RedisDataNodeArgs } from "./redisDataNode";
export { SentinelNode, SentinelNodeArgs } from "./sentinelNode";
export { RedisFrontend, RedisFrontendArgs } from "./redisFrontend";
export { RedisExporter, RedisExporterArgs } from "./redisExporter";
export { ClusterTopologyArgs, ConfigProblem, RedisHaConfigError, resolveClusterSpec } from "./config/validate";
export { AclSettings, AppendFsync, FrontendSettings, Host, MetricsSettings, HostArgs, LogLevel, MaxmemoryPolicy, RedisSettings, SentinelSettings, SshSettings, TlsAuthClients, TlsSettings } from "./config/types";
export { ClusterSpec, HostSpec } from "./config/spec";
export * as defaults from "./config/defaults";
