"""A redis-ha cluster from Python: `pulumi install` generates the SDK from ../../provider."""

import pulumi
import pulumi_redis_ha as redis_ha

config = pulumi.Config()
hosts = config.require_object("hosts")
key_path = config.get("sshPrivateKeyPath")

cache = redis_ha.RedisHaCluster(
    "cache",
    cluster_name="cache",
    hosts=[redis_ha.HostArgs(name=h["name"], address=h["address"], host_key=h.get("hostKey")) for h in hosts],
    master=hosts[0]["name"],
    replicas=[h["name"] for h in hosts[1:]],
    sentinels=[h["name"] for h in hosts],
    redis_port=6395,
    sentinel_port=26395,
    redis=redis_ha.RedisSettingsArgs(maxmemory="256mb", appendfsync=redis_ha.AppendFsync.EVERYSEC),
    password=config.require_secret("password"),
    # Needed by `pulumi up` only: a preview in a PR pipeline runs without it.
    ssh_private_key=pulumi.Output.secret(open(key_path).read()) if key_path else None,
    executor=config.get("executor") or redis_ha.Executor.COMMAND,
)

pulumi.export("connection", cache.connection)
