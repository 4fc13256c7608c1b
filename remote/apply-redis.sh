# Converges the Redis data node of this host. Runs only when its rendered inputs changed.
require_prerequisites
require_port_free_or_ours "$RH_REDIS_PORT" "$RH_REDIS_UNIT"
ensure_directories
install_tls_files

read -r master_ip master_port < <(current_master)
managed=$(decode "$RH_REDIS_CONF")
# `replicaof` follows Sentinel's current master, never the host the stack first chose.
config=$(printf '%s\n' "$managed" | grep -v '^replicaof ')
if [ "$master_ip" != "$RH_ANNOUNCE_ADDRESS" ] || [ "$master_port" != "$RH_REDIS_PORT" ]; then
    config=$(printf '%s\nreplicaof %s %s\n' "$config" "$master_ip" "$master_port")
    role=replica
else
    role=master
fi

config_changed=no
if printf '%s\n' "$managed" | write_if_changed "$RH_REDIS_CONF_PATH.managed" 0600 root:root || [ ! -f "$RH_REDIS_CONF_PATH" ]; then
    printf '%s\n' "$config" | write_if_changed "$RH_REDIS_CONF_PATH" 0600 "$RH_SERVICE_USER:$RH_SERVICE_GROUP" || true
    config_changed=yes
fi
unit_changed=no
install_unit "$RH_REDIS_UNIT_PATH" "$RH_REDIS_UNIT_FILE" && unit_changed=yes
systemctl enable --quiet "$RH_REDIS_UNIT"

if ! systemctl is-active --quiet "$RH_REDIS_UNIT"; then
    log "starting $RH_REDIS_UNIT as $role of $master_ip:$master_port"
    systemctl start "$RH_REDIS_UNIT" || fail "$RH_REDIS_UNIT failed to start: $(journalctl -u "$RH_REDIS_UNIT" -n 5 --no-pager 2>/dev/null | tail -n 5)"
elif [ "$config_changed" = yes ] || [ "$unit_changed" = yes ]; then
    log "restarting $RH_REDIS_UNIT (config changed: $config_changed, unit changed: $unit_changed)"
    systemctl restart "$RH_REDIS_UNIT"
else
    log "$RH_REDIS_UNIT unchanged"
fi

wait_for "$RH_WAIT_START" "Redis on port $RH_REDIS_PORT to answer PING" redis_answers "$RH_REDIS_PORT"
if [ "$role" = replica ]; then
    replica_synced() {
        [ "$(info_field 127.0.0.1 "$RH_REDIS_PORT" replication master_link_status)" = up ] &&
            [ "$(info_field 127.0.0.1 "$RH_REDIS_PORT" replication master_sync_in_progress)" = 0 ]
    }
    wait_for "$RH_WAIT_SYNC" "replication from $master_ip:$master_port (master_link_status:up)" replica_synced
fi
log "redis $role ready on $RH_ANNOUNCE_ADDRESS:$RH_REDIS_PORT"
