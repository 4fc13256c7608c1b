# Converges the Redis data node of this host. Runs only when its inputs changed (or drift was found).
#
# - `replicaof` follows Sentinel's current master, never the host the stack first chose.
# - Changed directives that Redis takes live are applied with CONFIG SET (no restart); a unit change,
#   a new redis-server binary (an upgrade) or a directive Redis cannot take live restarts the node.
# - The master is never restarted while it is master: writes are paused, replicas catch up (WAIT),
#   Sentinel moves mastership away (SENTINEL FAILOVER), then this node is updated and rejoins as a replica.
require_prerequisites
require_port_free_or_ours "$RH_REDIS_PORT" "$RH_REDIS_UNIT"
ensure_directories
claim_ownership
install_tls_files

conf=$RH_REDIS_CONF_PATH
managed=$(mktemp)
# shellcheck disable=SC2034 # read by at_exit (lib.sh, inlined before this file)
CLEANUP_FILES="$managed"
decode "$RH_REDIS_CONF" | grep -v '^replicaof ' >"$managed"

# What differs from what this node was given: our last applied copy, and the file itself (hand edits).
# And what runs differently from the file (a hand CONFIG SET): put back live below.
# And, during a password rotation, the old passwords it still accepts: the file keeps granting them.
live=""
extra=""
if systemctl is-active --quiet "$RH_REDIS_UNIT" && redis_answers "$RH_REDIS_PORT"; then
    live=$(live_differences "$managed" "$RH_REDIS_PORT")
    extra=$(extra_passwords "$RH_REDIS_PORT" "$(cat "$managed")")
fi
changed=$({ conf_differences "$managed" "$conf.managed"; conf_differences "$managed" "$conf"; [ -z "$live" ] || printf '%s\n' "$live"; } | sort -u)
# Directives the stack no longer sets go back to Redis's defaults (live, or by the restart below).
removed=$(removed_directives "$conf.managed" "$managed")
# hostTuning: the kernel settings Redis asks for, host-wide (the existing Redis runs under them too).
# net.core.somaxconn is never lowered: the drop-in holds the higher of tcp-backlog and the host's value.
if [ "$RH_HOST_TUNING" = yes ]; then
    somaxconn=$(cat /proc/sys/net/core/somaxconn)
    tuning=$(decode "$RH_SYSCTL_FILE" | awk -v have="$somaxconn" '$1 == "net.core.somaxconn" && have + 0 > $3 + 0 { $3 = have } { print }')
    if printf '%s\n' "$tuning" | write_if_changed "$RH_SYSCTL_PATH" 0644 root:root; then
        if sysctl -q -p "$RH_SYSCTL_PATH" >/dev/null 2>&1; then log "host tuning: $RH_SYSCTL_PATH written and applied"
        else log "host tuning: $RH_SYSCTL_PATH written; the kernel refused it now (read-only /proc/sys, e.g. a container), so it applies at boot"; fi
    fi
    install_unit "$RH_THP_UNIT_PATH" "$RH_THP_UNIT_FILE" || true
    enable_units "$RH_THP_UNIT"
    systemctl start "$RH_THP_UNIT" || log "host tuning: $RH_THP_UNIT failed: $(journalctl -u "$RH_THP_UNIT" -n 3 --no-pager 2>/dev/null | tail -n 3)"
elif [ -f "$RH_SYSCTL_PATH" ] || [ -f "$RH_THP_UNIT_PATH" ]; then
    # Off again: our files go; the values stay as they are until the next boot.
    systemctl disable --quiet "$RH_THP_UNIT" 2>/dev/null || true
    rm -f "$RH_SYSCTL_PATH" "$RH_THP_UNIT_PATH"
    systemctl daemon-reload
    log "host tuning off: removed $RH_SYSCTL_PATH and $RH_THP_UNIT (the kernel keeps its current values until the next boot)"
fi

unit_changed=no
install_unit "$RH_REDIS_UNIT_PATH" "$RH_REDIS_UNIT_FILE" && unit_changed=yes
enable_units "$RH_REDIS_UNIT"

# Writes the config file: our directives plus `replicaof` to Sentinel's current master.
write_config() {
    local ip port
    read -r ip port < <(current_master)
    {
        cat "$managed"
        if [ "$ip" != "$RH_ANNOUNCE_ADDRESS" ] || [ "$port" != "$RH_REDIS_PORT" ]; then printf 'replicaof %s %s\n' "$ip" "$port"; fi
    } | grant_passwords "$extra" | write_if_changed "$conf" 0600 "$RH_SERVICE_USER:$RH_SERVICE_GROUP" || true
    write_if_changed "$conf.managed" 0600 root:root <"$managed" || true
}

# Why a running node must restart (empty: it can take the change live).
restart_reason() {
    local key running installed
    [ "$unit_changed" = no ] || { echo "its unit changed"; return 0; }
    binary_replaced "$RH_REDIS_UNIT" && { echo "its $RH_SERVER_PACKAGE binary was replaced on disk (an upgrade)"; return 0; }
    running=$(server_identity 127.0.0.1 "$RH_REDIS_PORT" | cut -d' ' -f2)
    installed=$(binary_version)
    [ "$running" = "$installed" ] || { echo "$RH_SERVER_PACKAGE $installed is installed, $running is running"; return 0; }
    for key in $changed $removed; do
        case " $RH_RESTART_DIRECTIVES " in *" $key "*) echo "$key changed and Redis cannot take it live"; return 0 ;; esac
    done
}

# requirepass leaves the file when ACL users come (the `user default` line takes over), but the
# running node keeps it, and a CONFIG REWRITE (Sentinel's, at a failover) would write it back in
# plaintext. Clearing it alone would leave the default user without password (nopass) for a moment,
# so it goes in one transaction with the passwords that user has now (commands on stdin, not argv).
clear_requirepass() {
    local hashes reply
    [ -n "$(rcli 127.0.0.1 "$RH_REDIS_PORT" CONFIG GET requirepass | sed -n 2p | tr -d '\r')" ] || return 0
    hashes=$(accepted_hashes 127.0.0.1 "$RH_REDIS_PORT" default | sed 's/^/#/' | paste -sd' ' -)
    [ -n "$hashes" ] || { refused="the default user has no password to keep while requirepass is cleared"; return 1; }
    reply=$(printf 'MULTI\nCONFIG SET requirepass ""\nACL SETUSER default on resetpass %s\nEXEC\n' "$hashes" | rcli 127.0.0.1 "$RH_REDIS_PORT" | tr -d '\r' | tail -n 2 | paste -sd' ' -)
    [ "$reply" = "OK OK" ] || { refused="Redis did not clear requirepass with the default user's passwords kept (${reply:-no answer})"; return 1; }
    log "requirepass cleared live; the default user keeps its passwords (the file's \`user default\` line)"
}

# CONFIG SET of every changed directive; the value goes on stdin (-x), never on a command line.
# Fails (setting `refused`) at the first directive Redis does not take live.
refused=""
# Set when the replication login (masteruser, masterauth) changed live: the replica logs in again.
relogin=no
# shellcheck disable=SC2154 # rh_tls_flags is set by lib.sh, inlined before this file
config_set_stdin() { timeout 5 "$RH_CLI" --no-auth-warning "${rh_tls_flags[@]}" -p "$RH_REDIS_PORT" -x CONFIG SET "$1" 2>&1 || true; }
apply_live() {
    local key reply
    for key in $changed; do
        # The passwords: accepted beside the old ones, and the old ones dropped, by the rotation's steps (auth.sh).
        case " $RH_PASSWORD_DIRECTIVES " in *" $key "*) continue ;; esac
        reply=$(conf_value "$managed" "$key" | config_set_stdin "$key")
        if [ "$reply" != OK ]; then
            refused="Redis refused CONFIG SET $key (${reply:-no answer})"
            return 1
        fi
        log "applied $key live (CONFIG SET)"
        case $key in masteruser | masterauth) relogin=yes ;; esac
    done
    case " $removed " in *" requirepass "*) clear_requirepass || return 1 ;; esac
    # Not the passwords either: requirepass goes when ACL users come (the `user default` line takes
    # over), and its default, "", would leave the default user without a password (nopass).
    local defaults back=""
    for key in $removed; do
        case " $RH_PASSWORD_DIRECTIVES " in *" $key "*) ;; *) back+=" $key" ;; esac
    done
    [ -n "$back" ] || return 0
    # shellcheck disable=SC2086 # one directive name per word
    defaults=$(redis_defaults $back) || { refused="Redis's defaults of$back could not be read"; return 1; }
    while IFS=$'\t' read -r key value; do
        reply=$(printf '%s' "$value" | config_set_stdin "$key")
        if [ "$reply" != OK ]; then
            refused="Redis refused CONFIG SET $key to its default (${reply:-no answer})"
            return 1
        fi
        log "$key is no longer set: back to Redis's default live (CONFIG SET $key ${value:-\"\"})"
    done <<<"$defaults"
}

# A switch of server (redis <-> valkey) hands mastership to a replica still on the old server while
# one is left: a replica of the old server may not read the new one's RDB files (Debian 12's Redis 7.0
# cannot read Valkey 8.0's), so the new server takes mastership only once every other node runs it.
prefer_old_server() {
    local addr kind old="" new=""
    for addr in $RH_DATA_ADDRESSES; do
        [ "$addr" != "$RH_ANNOUNCE_ADDRESS:$RH_REDIS_PORT" ] || continue
        kind=$(server_identity "${addr%:*}" "${addr##*:}" | cut -d' ' -f1)
        if [ "$kind" = "$RH_SERVER" ]; then new+=" $addr"; elif [ -n "$kind" ]; then old+=" $addr"; fi
    done
    [ -n "$old" ] && [ -n "$new" ] || return 0
    log "server switch: mastership goes to a replica still on the old server ($old), not to$new"
    for addr in $new; do lower_priority_until_exit "${addr%:*}" "${addr##*:}"; done
    wait_for 15 "every sentinel to see the lowered priorities" sentinels_see_priorities
}

if ! systemctl is-active --quiet "$RH_REDIS_UNIT"; then
    write_config
    log "starting $RH_REDIS_UNIT"
    start_service "$RH_REDIS_UNIT"
else
    wait_for "$RH_WAIT_START" "Redis on port $RH_REDIS_PORT to answer PING" redis_answers "$RH_REDIS_PORT"
    reason=$(restart_reason)
    if [ -z "$reason" ] && ! apply_live; then reason=$refused; fi
    if [ -n "$reason" ]; then
        if is_current_master; then
            running_server=$(server_identity 127.0.0.1 "$RH_REDIS_PORT" | cut -d' ' -f1)
            [ -z "$running_server" ] || [ "$running_server" = "$RH_SERVER" ] || prefer_old_server
            hand_over_mastership
        fi
        write_config
        log "restarting $RH_REDIS_UNIT: $reason"
        start_service "$RH_REDIS_UNIT"
    else
        write_config
        [ -n "$changed$removed" ] || log "$RH_REDIS_UNIT unchanged"
    fi
fi

wait_for "$RH_WAIT_START" "Redis on port $RH_REDIS_PORT to answer PING" redis_answers "$RH_REDIS_PORT"
read -r master_ip master_port < <(current_master)
if is_current_master; then
    # At first deploy the replicas start before their master: every one that runs is waited on here.
    running=0
    for addr in $RH_DATA_ADDRESSES; do
        [ "$addr" != "$RH_ANNOUNCE_ADDRESS:$RH_REDIS_PORT" ] && [ "$(rcli "${addr%:*}" "${addr##*:}" PING)" = PONG ] && running=$((running + 1))
    done
    replicas_linked() { [ "$(info_field 127.0.0.1 "$RH_REDIS_PORT" replication connected_slaves)" -ge "$running" ] 2>/dev/null; }
    wait_for "$RH_WAIT_SYNC" "the $running running replica(s) to connect" replicas_linked
    log "redis master ready on $RH_ANNOUNCE_ADDRESS:$RH_REDIS_PORT"
elif [ "$(rcli "$master_ip" "$master_port" PING)" != PONG ]; then
    log "redis replica started; its master $master_ip:$master_port is not up yet (first deploy: the master's step waits for it)"
else
    replica_synced() {
        [ "$(info_field 127.0.0.1 "$RH_REDIS_PORT" replication master_link_status)" = up ] &&
            [ "$(info_field 127.0.0.1 "$RH_REDIS_PORT" replication master_sync_in_progress)" = 0 ]
    }
    if [ "$relogin" = yes ]; then
        # The link stays logged in as before until it drops: it is dropped now, so that the new login
        # is proven here (a partial resync) rather than at the next network blip.
        rcli 127.0.0.1 "$RH_REDIS_PORT" CLIENT KILL TYPE master >/dev/null || true
        log "replication login changed: reconnecting to $master_ip:$master_port with it"
    fi
    wait_for "$RH_WAIT_SYNC" "replication from $master_ip:$master_port (master_link_status:up)" replica_synced
    log "redis replica of $master_ip:$master_port ready on $RH_ANNOUNCE_ADDRESS:$RH_REDIS_PORT"
fi
