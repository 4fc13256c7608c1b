# A password rotation with no moment in which a replica or a sentinel cannot log in, run on one host
# for the whole cluster (over the network, like the health gate). Users may hold several passwords:
# - accept (the gate host's install step, before any node's step): every running data node and
#   sentinel accepts the new passwords beside the old ones. The nodes' and sentinels' own steps then
#   switch to them one at a time (masterauth, sentinel auth-pass, requirepass), and whatever they
#   connect to takes either.
# - retire (the health gate, after every node's and sentinel's step, before its check): once every
#   replica logs in with the new password, the old ones are dropped.
# Without a phase (the install step of the other hosts) it does nothing.
# Clients already connected stay logged in; a client that connects after the update needs the new
# password. Runs on create too, with nothing to do. The passwords only appear here as SHA-256 hashes
# (RH_DATA_AUTH, RH_SENTINEL_AUTH: `user:hash` words), except the new admin one in REDISCLI_AUTH.
new_password=${REDISCLI_AUTH:-}

# Whether ip:port runs (answers PING, logged in or not).
answers() { [ -n "$(unset REDISCLI_AUTH; rcli "${1%:*}" "${1##*:}" PING)" ]; }

# Logs in to ip:port (sets REDISCLI_AUTH) with the admin password stored in this host's files (our
# sentinel's or data node's config: the one the cluster runs with), or else the new one. In that
# order: every refused login is an entry in ACL LOG, which operators watch.
log_in() {
    local candidate
    for candidate in "$(stored_admin_password "$RH_SENTINEL_CONF_PATH")" "$(stored_admin_password "$RH_REDIS_CONF_PATH")" "$new_password"; do
        [ -n "$candidate" ] || continue
        REDISCLI_AUTH=$candidate
        [ "$(rcli "${1%:*}" "${1##*:}" PING)" = PONG ] && return 0
    done
    REDISCLI_AUTH=$new_password
    return 1
}

# Gives each ACL user of the data node at ip:port its rules (RH_ACL_RULES: `user:rules` entries
# separated by `;`). ACL SETUSER applies them over what the user has and keeps its passwords, so a
# user that does not exist yet (ACL users turned on for a running cluster) can do its job before any
# replica or sentinel logs in as it.
grant_rules() {
    local addr=$1 entry user
    local -a entries rules
    IFS=';' read -ra entries <<<"$RH_ACL_RULES"
    for entry in "${entries[@]}"; do
        user=${entry%%:*}
        read -ra rules <<<"${entry#*:}"
        [ "$(rcli "${addr%:*}" "${addr##*:}" ACL SETUSER "$user" on "${rules[@]}")" = OK ] || fail "$addr refused the rules of ACL user $user (ACL SETUSER)"
    done
}

# Adds each `user:hash` of $2 that ip:port $1 does not accept yet; $3: server or sentinel.
accept_on() {
    local addr=$1 pair user hash
    if ! log_in "$addr"; then
        answers "$addr" || { log "$addr does not answer: its own step gives it the new password"; return 0; }
        fail "$addr takes neither the new admin password nor the one stored on $RH_HOST, so it cannot be given the new one and no node has switched to it yet. Put back the password it was deployed with, or add the new one there by hand (ACL SETUSER default >...), and run \`pulumi up\` again"
    fi
    for pair in $2; do
        user=${pair%%:*}
        hash=${pair#*:}
        case " $(accepted_hashes "${addr%:*}" "${addr##*:}" "$user" | paste -sd' ' -) " in *" $hash "*) continue ;; esac
        [ "$(rcli "${addr%:*}" "${addr##*:}" ACL SETUSER "$user" "#$hash")" = OK ] || fail "$addr refused a new password for $user (ACL SETUSER)"
        log "$addr: $user accepts the new password too (the old one until the update ends)"
    done
    if [ "$3" = server ] && [ -n "${RH_ACL_RULES:-}" ]; then grant_rules "$addr"; fi
}

# The replica at ip:port logs in to its master with the new replication password (`masterauth`).
replica_uses_new_password() {
    [ "$(info_field "${1%:*}" "${1##*:}" replication role)" != slave ] && return 0
    [ "$(rcli "${1%:*}" "${1##*:}" CONFIG GET masterauth | sed -n 2p | tr -d '\r\n' | sha256_hex)" = "$RH_MASTERAUTH_SHA256" ]
}

# Drops every password of ip:port $1 other than the `user:hash` words of $2; $3: server or sentinel.
retire_on() {
    local addr=$1 kind=$3 pair user hash extra dropped=0
    REDISCLI_AUTH=$new_password
    if [ "$(rcli "${addr%:*}" "${addr##*:}" PING)" != PONG ]; then
        answers "$addr" || { log "$addr does not answer: it starts with the new password only"; return 0; }
        fail "$addr does not take the new admin password: the old ones are kept (nothing dropped there)"
    fi
    if [ "$kind" = server ] && [ "$RH_ACL" = no ] && [ "$(rcli "${addr%:*}" "${addr##*:}" CONFIG GET requirepass | sed -n 2p | tr -d '\r')" != "$new_password" ]; then
        # requirepass as CONFIG GET and CONFIG REWRITE see it; setting it leaves the new password only.
        [ "$(printf '%s' "$new_password" | rcli "${addr%:*}" "${addr##*:}" -x CONFIG SET requirepass)" = OK ] || fail "$addr refused CONFIG SET requirepass"
        dropped=1
    fi
    for pair in $2; do
        user=${pair%%:*}
        hash=${pair#*:}
        for extra in $(accepted_hashes "${addr%:*}" "${addr##*:}" "$user" | grep -vx "$hash" || true); do
            [ "$(rcli "${addr%:*}" "${addr##*:}" ACL SETUSER "$user" "!$extra")" = OK ] || fail "$addr refused to drop an old password of $user"
            dropped=$((dropped + 1))
        done
    done
    [ "$dropped" -gt 0 ] || return 0
    # What a restart reads: the file, which a CONFIG REWRITE during the rotation (a failover) may have
    # written with the old password too.
    if [ "$kind" = sentinel ]; then
        [ "$(rcli "${addr%:*}" "${addr##*:}" SENTINEL FLUSHCONFIG)" = OK ] || fail "$addr: SENTINEL FLUSHCONFIG failed"
    else
        [ "$(rcli "${addr%:*}" "${addr##*:}" CONFIG REWRITE)" = OK ] || fail "$addr: CONFIG REWRITE failed"
    fi
    log "$addr: old passwords dropped, the new ones only"
}

case "${RH_AUTH_PHASE:-}" in
accept)
    for addr in $RH_DATA_ADDRESSES; do accept_on "$addr" "$RH_DATA_AUTH" server; done
    for addr in $RH_SENTINEL_ADDRESSES; do accept_on "$addr" "$RH_SENTINEL_AUTH" sentinel; done
    ;;
retire)
    for addr in $RH_DATA_ADDRESSES; do
        replica_uses_new_password "$addr" || fail "replica $addr still logs in to its master with the old password: nothing dropped; run \`pulumi up\` again"
    done
    for addr in $RH_DATA_ADDRESSES; do retire_on "$addr" "$RH_DATA_AUTH" server; done
    for addr in $RH_SENTINEL_ADDRESSES; do retire_on "$addr" "$RH_SENTINEL_AUTH" sentinel; done
    ;;
"") ;;
*) fail "internal: RH_AUTH_PHASE is '$RH_AUTH_PHASE', not accept or retire" ;;
esac
