# Removes one of our services from this host (on `pulumi destroy`, or when the stack no longer gives
# the host that role). Only our own unit and files are touched; Debian's redis-server and other
# clusters are left alone. This runs from state alone, without the password on its command line: it
# reads it from the host's own (root-only) copy of our config.
#
# When the rest of the cluster keeps running (a host removed by scaling down), the Redis docs'
# procedure is followed: a data node that is master hands mastership over first; after the service
# is stopped, every remaining sentinel gets `SENTINEL RESET`, one at a time, each waited on until it
# has rediscovered the master, the replicas and the other sentinels, so no stale entry remains.
REDISCLI_AUTH=$(stored_admin_password "$RH_CONFIG_DIR/sentinel.conf.managed" "$RH_CONFIG_DIR/redis.conf.managed")
[ -z "$REDISCLI_AUTH" ] || export REDISCLI_AUTH

# After a removal, while enough sentinels run to fail over (a host left the cluster, or a replaced
# step's removal below), the update ends only once the rest of the cluster is seen healthy. When
# fewer remain, the whole cluster is being destroyed.
check_remaining_cluster() {
    local remaining
    [ -n "${REDISCLI_AUTH:-}" ] || return 0
    remaining=$(reachable_sentinels | paste -sd' ' -)
    if [ "$(printf '%s' "$remaining" | wc -w)" -ge "$RH_QUORUM" ]; then
        wait_healthy "$remaining"
    else
        log "fewer than $RH_QUORUM sentinels of $RH_MASTER_NAME remain: the cluster is being removed, no health check"
    fi
}

# Replaced, not removed: another step (another executor or name) owns this service now. Its create
# ran before this removal, so stopping or deleting anything here would destroy what it runs.
owner=$(current_owner)
if [ -n "$owner" ] && [ "$owner" != "$RH_OWNER" ]; then
    log "$RH_UNIT belongs to step $owner now; the removal of step $RH_OWNER leaves it running, with its files and data"
    check_remaining_cluster
    exit 0
fi

if [ "$RH_KIND" = server ] && systemctl is-active --quiet "$RH_UNIT" && [ -n "$(reachable_sentinels)" ] && is_current_master; then
    (hand_over_mastership) || log "could not hand mastership over before removal; Sentinel will fail over"
fi
if systemctl list-unit-files "$RH_UNIT" >/dev/null 2>&1; then
    systemctl disable --now "$RH_UNIT" >/dev/null 2>&1 || true
fi

# After SENTINEL RESET: the sentinel sees again what runs now (every replica the master has, every other reachable sentinel).
sentinel_rediscovered() {
    local addr=$1 running master connected
    running=$(reachable_sentinels | wc -l)
    master=$(sentinel_master_of "$addr")
    connected=$(info_field "${master%:*}" "${master##*:}" replication connected_slaves)
    sentinel_sees_cluster "$addr" "${connected:-0}" "$((running - 1))" "$running"
}
if [ -n "${REDISCLI_AUTH:-}" ]; then
    for addr in $(reachable_sentinels); do
        [ "$(rcli "${addr%:*}" "${addr##*:}" SENTINEL RESET "$RH_MASTER_NAME")" = 1 ] || { log "SENTINEL RESET on $addr failed"; continue; }
        # Fails the removal (and so the update, which a re-run retries) rather than leaving a sentinel half-informed.
        wait_for "$RH_WAIT_DISCOVERY" "sentinel $addr to rediscover the master, the replicas and the sentinels after SENTINEL RESET" sentinel_rediscovered "$addr"
        log "sentinel $addr reset: it forgot $RH_HOST's $RH_KIND"
    done
fi

check_remaining_cluster

# Files last: the resets and the health check above authenticate with this host's TLS files when TLS is on.
# A data node's host tuning (hostTuning) goes with it; the kernel keeps its values until the next boot.
if [ -n "${RH_TUNING_UNIT:-}" ]; then systemctl disable --quiet "$RH_TUNING_UNIT" 2>/dev/null || true; fi
rm -f "$RH_UNIT_PATH"
systemctl daemon-reload
for f in $RH_FILES; do rm -rf "$f"; done
for d in $RH_DIRS; do rmdir "$d" 2>/dev/null || true; done
log "removed $RH_UNIT"
