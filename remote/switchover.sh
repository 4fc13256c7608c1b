# `redis-ha switchover`: moves mastership from this host (the master) to RH_TARGET_ADDRESS, or to
# the replica Sentinel picks when it is empty, with the hand-over that rolling restarts use (writes
# paused, replicas acknowledge everything, then Sentinel fails over), so no confirmed write is lost.
# Refuses, changing nothing, when that is not safe.
is_current_master || fail "this host is not the master Sentinel names ($(current_master | tr ' ' ':')); run status"
refuse() { fail "switchover refused: $*"; }
for addr in $RH_SENTINEL_ADDRESSES; do
    [ "$(rcli "${addr%:*}" "${addr##*:}" PING)" = PONG ] || refuse "sentinel $addr does not answer; a failover needs every sentinel's vote to be safe to start"
    sentinel_has_quorum "$addr" || refuse "SENTINEL CKQUORUM at $addr: $(rcli "${addr%:*}" "${addr##*:}" SENTINEL CKQUORUM "$RH_MASTER_NAME" | sed -n 1p)"
    case "$(sentinel_master_field "${addr%:*}" "${addr##*:}" flags)" in
        *failover_in_progress* | *promoted*) refuse "a failover is already in progress (sentinel $addr); wait for it, then run status" ;;
    esac
done
# Every replica of this master: "ip port state offset lag" (INFO's slaveN lines).
replicas=$(rcli 127.0.0.1 "$RH_REDIS_PORT" INFO replication | tr -d '\r' | awk -F'[:,=]' '/^slave[0-9]+:/ { print $3, $5, $7, $9, $11 }')
[ -n "$replicas" ] || refuse "no replica is connected to take over"
priority_of() { rcli "$1" "$2" CONFIG GET replica-priority | sed -n 2p | tr -d '\r'; }
candidates=""
while read -r ip port state _offset lag; do
    if [ -n "$RH_TARGET_ADDRESS" ] && [ "$ip" != "$RH_TARGET_ADDRESS" ]; then continue; fi
    why=""
    [ "$state" = online ] || why="its link is $state"
    [ "${lag:-99}" -le "$RH_MAX_LAG" ] || why="it last acknowledged ${lag}s ago (more than ${RH_MAX_LAG}s)"
    [ "$(priority_of "$ip" "$port")" != 0 ] || why="its replica-priority is 0 (never promoted)"
    if [ -n "$why" ]; then
        [ -z "$RH_TARGET_ADDRESS" ] || refuse "$RH_TARGET_ADDRESS cannot take over: $why"
        log "replica $ip:$port is not a candidate: $why"
        continue
    fi
    candidates+="$ip:$port "
done <<<"$replicas"
[ -n "$candidates" ] || {
    [ -z "$RH_TARGET_ADDRESS" ] || refuse "$RH_TARGET_ADDRESS is not a replica of this master"
    refuse "no replica can take over (see above)"
}
# A named target: every other replica is made ineligible (replica-priority 0) until the hand-over is
# done; at_exit puts their priorities back however this ends.
if [ -n "$RH_TARGET_ADDRESS" ]; then
    while read -r ip port _rest; do
        [ "$ip" = "$RH_TARGET_ADDRESS" ] && continue
        lower_priority_until_exit "$ip" "$port"
    done <<<"$replicas"
    # Sentinels read priorities from INFO, every 10 s: wait until each one has seen the new ones.
    wait_for 15 "every sentinel to see the lowered priorities" sentinels_see_priorities
fi
hand_over_mastership
# Sentinel reconfigures the other replicas to follow the new master (each ends in CONFIG REWRITE)
# before the cluster counts as healthy; the priorities come back after that.
wait_healthy
restore_priorities
