# Converges the Sentinel of this host. The sentinel is stopped before its file is touched, and what
# Sentinel owns (myid, epochs, known replicas and sentinels, the current master) is kept.
require_prerequisites
require_port_free_or_ours "$RH_SENTINEL_PORT" "$RH_SENTINEL_UNIT"
ensure_directories
claim_ownership
install_tls_files

managed=$(decode "$RH_SENTINEL_CONF")
conf=$RH_SENTINEL_CONF_PATH
unit_changed=no
managed_changed=no
deployed=$(unit_setting "$RH_SENTINEL_UNIT" ExecStart)
if [ -n "$deployed" ] && [ "$deployed" != "$RH_REDIS_SERVER_BIN" ]; then
    # A switch of server (redis <-> valkey): the other server's sentinel may have rewritten the file
    # in its own words, so it is written again from ours and what Sentinel owns.
    log "server switch: $RH_SENTINEL_UNIT runs $deployed; it moves to $RH_REDIS_SERVER_BIN"
    managed_changed=yes
elif ! { [ -f "$conf.managed" ] && printf '%s\n' "$managed" | cmp -s - "$conf.managed"; } || [ ! -f "$conf" ]; then
    managed_changed=yes
elif [ -n "$(conf_differences "$conf.managed" "$conf" yes)" ]; then
    # Hand-edited: Sentinel drops its own tunables from the file when they equal its defaults, so
    # only directives present in the file are compared.
    log "$conf was edited outside redis-ha: $(conf_differences "$conf.managed" "$conf" yes | paste -sd, -)"
    managed_changed=yes
fi

if [ "$managed_changed" = yes ]; then
    extra=""
    if systemctl is-active --quiet "$RH_SENTINEL_UNIT"; then
        # During a password rotation, the old passwords it accepts: its new file keeps granting them.
        extra=$(extra_passwords "$RH_SENTINEL_PORT" "$managed")
        log "stopping $RH_SENTINEL_UNIT before updating its config"
        systemctl stop "$RH_SENTINEL_UNIT"
    fi
    name_re=$(printf '%s' "$RH_MASTER_NAME" | sed 's/[.[\*^$]/\\&/g')
    owned=""
    monitor=""
    if [ -f "$conf" ]; then
        owned=$(grep -E "^sentinel (myid |current-epoch |(config-epoch|leader-epoch|known-replica|known-sentinel) $name_re )" "$conf" || true)
        monitor=$(awk -v n="$RH_MASTER_NAME" '$1 == "sentinel" && $2 == "monitor" && $3 == n { print $4, $5; exit }' "$conf")
    fi
    [ -n "$monitor" ] || monitor=$(current_master)
    read -r master_ip master_port <<<"$monitor"
    # Our monitor line carries the quorum; the address stays Sentinel's.
    merged=$(printf '%s\n' "$managed" | awk -v n="$RH_MASTER_NAME" -v ip="$master_ip" -v port="$master_port" \
        '$1 == "sentinel" && $2 == "monitor" && $3 == n { $4 = ip; $5 = port } { print }')
    if [ -n "$owned" ]; then merged=$(printf '%s\n%s\n' "$merged" "$owned"); fi
    # The other sentinels that run now and that this one does not know yet (a new sentinel, at first
    # deploy or on a host added later), by the ID each reports: it knows them from its first moment,
    # instead of after their next hello (every 2 s). They learn of it from its own hellos.
    while read -r addr; do
        [ -n "$addr" ] || continue
        case "$owned" in *"known-sentinel $RH_MASTER_NAME ${addr%:*} ${addr##*:} "*) continue ;; esac
        id=$(rcli "${addr%:*}" "${addr##*:}" SENTINEL MYID | tr -d '\r')
        [[ "$id" =~ ^[0-9a-f]{40}$ ]] || continue
        merged=$(printf '%s\nsentinel known-sentinel %s %s %s %s\n' "$merged" "$RH_MASTER_NAME" "${addr%:*}" "${addr##*:}" "$id")
    done < <(reachable_other_sentinels)
    printf '%s\n' "$merged" | grant_passwords "$extra" | write_if_changed "$conf" 0600 "$RH_SERVICE_USER:$RH_SERVICE_GROUP" || true
    printf '%s\n' "$managed" | write_if_changed "$conf.managed" 0600 root:root || true
fi
install_unit "$RH_SENTINEL_UNIT_PATH" "$RH_SENTINEL_UNIT_FILE" && unit_changed=yes
enable_units "$RH_SENTINEL_UNIT"

if ! systemctl is-active --quiet "$RH_SENTINEL_UNIT"; then
    log "starting $RH_SENTINEL_UNIT"
    start_service "$RH_SENTINEL_UNIT"
elif [ "$unit_changed" = yes ] || binary_replaced "$RH_SENTINEL_UNIT"; then
    log "restarting $RH_SENTINEL_UNIT (its unit or its $RH_SERVER_PACKAGE binary changed)"
    start_service "$RH_SENTINEL_UNIT"
else
    log "$RH_SENTINEL_UNIT unchanged"
fi

wait_for "$RH_WAIT_START" "Sentinel on port $RH_SENTINEL_PORT to answer PING" redis_answers "$RH_SENTINEL_PORT"
# Every other sentinel that runs now must be seen before the next host's sentinel is touched (at
# first deploy that is those started before this one). When enough sentinels run to reach the
# quorum, this one must confirm it too, so that a failover stays possible throughout an update.
expect_others=$(reachable_other_sentinels | wc -l)
wait_for "$RH_WAIT_DISCOVERY" "Sentinel to see the master, $RH_EXPECT_REPLICAS replica(s) and the $expect_others other running sentinel(s), and CKQUORUM $RH_MASTER_NAME OK once $RH_QUORUM run" \
    sentinel_sees_cluster "127.0.0.1:$RH_SENTINEL_PORT" "$RH_EXPECT_REPLICAS" "$expect_others" "$((expect_others + 1))"
log "sentinel ready on $RH_ANNOUNCE_ADDRESS:$RH_SENTINEL_PORT"
