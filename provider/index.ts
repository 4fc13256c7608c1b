// The component package's entry point: Pulumi's Node.js component host serves what this file exports
// to programs in any language, and reads the schema from these classes' Args interfaces.
export { RedisHaCluster } from "../components/redisHaCluster";
