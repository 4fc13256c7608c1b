# Final gate of an update: the whole cluster must be healthy, seen from this host.
problems=""
master=""
cluster_healthy() {
    problems=""
    master=""
    local addr reply replicas others stale
    for addr in $RH_SENTINEL_ADDRESSES; do
        reply=$(rcli "${addr%:*}" "${addr##*:}" SENTINEL GET-MASTER-ADDR-BY-NAME "$RH_MASTER_NAME" | tr -d '\r' | paste -sd: -)
        if [ -z "$reply" ]; then problems+=" sentinel $addr does not answer;"; continue; fi
        if [ -z "$master" ]; then master=$reply; elif [ "$master" != "$reply" ]; then problems+=" sentinels disagree on the master ($master vs $reply at $addr);"; fi
        reply=$(rcli "${addr%:*}" "${addr##*:}" SENTINEL CKQUORUM "$RH_MASTER_NAME" | sed -n 1p)
        case "$reply" in OK*) ;; *) problems+=" CKQUORUM on $addr: ${reply:-no answer};" ;; esac
        replicas=$(sentinel_master_field "${addr%:*}" "${addr##*:}" num-slaves)
        others=$(sentinel_master_field "${addr%:*}" "${addr##*:}" num-other-sentinels)
        # At least: a host being removed in this update still runs until its removal, which resets the sentinels.
        [ "${replicas:-0}" -ge "$RH_EXPECT_REPLICAS" ] || problems+=" sentinel $addr sees ${replicas:-?} replicas, expected $RH_EXPECT_REPLICAS;"
        [ "${others:-0}" -ge "$RH_EXPECT_OTHER_SENTINELS" ] || problems+=" sentinel $addr sees ${others:-?} other sentinels, expected $RH_EXPECT_OTHER_SENTINELS;"
        # An entry that is down is stale (a removed host) or a node that did not come back: either way not healthy.
        stale=$(down_entries "${addr%:*}" "${addr##*:}")
        [ -z "$stale" ] || problems+=" sentinel $addr knows entries that are down:$stale;"
    done
    [ -n "$master" ] || { problems+=" no sentinel knows the master;"; return 1; }
    local connected
    connected=$(info_field "${master%:*}" "${master##*:}" replication connected_slaves)
    [ "${connected:-0}" -ge "$RH_EXPECT_REPLICAS" ] || problems+=" master $master has ${connected:-?} connected replicas, expected $RH_EXPECT_REPLICAS;"
    for addr in $RH_DATA_ADDRESSES; do
        [ "$addr" = "$master" ] && continue
        local link host_of
        link=$(info_field "${addr%:*}" "${addr##*:}" replication master_link_status)
        host_of=$(info_field "${addr%:*}" "${addr##*:}" replication master_host)
        [ "$link" = up ] || problems+=" replica $addr master_link_status:${link:-unreachable};"
        [ "$host_of" = "${master%:*}" ] || problems+=" replica $addr follows ${host_of:-nothing}, not the master ${master%:*};"
    done
    [ -z "$problems" ]
}
deadline=$((SECONDS + RH_WAIT_HEALTH))
until cluster_healthy; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        fail "cluster $RH_MASTER_NAME is not healthy after ${RH_WAIT_HEALTH}s:$problems"
    fi
    sleep 2
done
log "cluster $RH_MASTER_NAME healthy: master $master, $RH_EXPECT_REPLICAS replica(s) linked, $((RH_EXPECT_OTHER_SENTINELS + 1)) sentinels agree, quorum reachable"
