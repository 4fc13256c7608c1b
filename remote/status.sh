# Live state of this host's services for `redis-ha status`, one `key=value` per line. Reads only.
report() { printf '%s=%s\n' "$1" "$(printf '%s' "$2" | tr '\n' ' ' | sed 's/ *$//')"; }
if [ "$RH_HAS_REDIS" = yes ]; then
    report redis.unit "$(systemctl is-active "$RH_REDIS_UNIT" 2>/dev/null || true)"
    report redis.server "$(server_identity 127.0.0.1 "$RH_REDIS_PORT" || true)"
    info=$(rcli 127.0.0.1 "$RH_REDIS_PORT" INFO replication | tr -d '\r' || true)
    for field in role master_host master_port master_link_status master_last_io_seconds_ago connected_slaves master_repl_offset slave_repl_offset; do
        report "redis.$field" "$(awk -F: -v k="$field" '$1 == k { print $2 }' <<<"$info")"
    done
    report redis.replica_priority "$(rcli 127.0.0.1 "$RH_REDIS_PORT" CONFIG GET replica-priority | sed -n 2p | tr -d '\r' || true)"
fi
if [ "$RH_HAS_SENTINEL" = yes ]; then
    report sentinel.unit "$(systemctl is-active "$RH_SENTINEL_UNIT" 2>/dev/null || true)"
    report sentinel.server "$(server_identity 127.0.0.1 "$RH_SENTINEL_PORT" || true)"
    report sentinel.master "$(sentinel_master_of "127.0.0.1:$RH_SENTINEL_PORT")"
    for field in flags config-epoch num-slaves num-other-sentinels quorum failover-state; do
        report "sentinel.$field" "$(sentinel_master_field 127.0.0.1 "$RH_SENTINEL_PORT" "$field" || true)"
    done
    report sentinel.ckquorum "$(rcli 127.0.0.1 "$RH_SENTINEL_PORT" SENTINEL CKQUORUM "$RH_MASTER_NAME" | sed -n 1p | tr -d '\r' || true)"
fi
if [ -n "${RH_HAPROXY_UNIT:-}" ]; then
    report frontend.haproxy "$(systemctl is-active "$RH_HAPROXY_UNIT" 2>/dev/null || true)"
    report frontend.keepalived "$(systemctl is-active "$RH_KEEPALIVED_UNIT" 2>/dev/null || true)"
    if [ -n "$(ip -o addr show to "$RH_VIP")" ]; then report frontend.vip held; else report frontend.vip backup; fi
    # Where this host's own HAProxy sends a client now: the role and run of the node behind it.
    report frontend.routes "$(rcli 127.0.0.1 "$RH_FRONTEND_PORT" ROLE | head -n 1 | tr -d '\r' || true)"
fi
for unit in ${RH_EXPORTER_UNITS:-}; do
    report "exporter.$unit" "$(systemctl is-active "$unit" 2>/dev/null || true)"
done
