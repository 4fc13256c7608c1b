# Runs on every host before any host changes, so that what would fail halfway through an update
# (a missing package, a port another process holds) fails it before anything is touched anywhere.
if [ "${RH_REDIS_HOST:-yes}" = yes ]; then
    require_prerequisites
else
    # A frontend-only host: its steps need root, systemd and the server's CLI, not the server.
    [ "$(id -u)" = 0 ] || fail "must run as root (ssh user is $(id -un)); use root or a user with root rights"
    command -v systemctl >/dev/null || fail "systemd is required (systemctl not found)"
    require_cli
fi
for entry in ${RH_BINARIES:-}; do
    [ -x "${entry#*:}" ] || fail "${entry#*:} not found: install Debian's ${entry%%:*} package (apt-get install ${entry%%:*})"
done
for entry in $RH_PORTS; do
    require_port_free_or_ours "${entry%%:*}" "${entry#*:}"
done
# A deployed unit of ours that runs another server than the stack's (redis <-> valkey): the update
# moves the cluster over, replicas first. A replica of the new server syncs from a master of the old
# one (the step hands mastership to the new server last), so it must read the RDB files the old one
# writes; a version that cannot is refused here, before any host changes.
for unit in ${RH_SERVER_UNITS:-}; do
    deployed=$(unit_setting "$unit" ExecStart)
    if [ -z "$deployed" ] || [ "$deployed" = "$RH_REDIS_SERVER_BIN" ]; then continue; fi
    case " ${checked:-} " in *" $deployed "*) continue ;; esac
    checked="${checked:-} $deployed"
    why=$(rdb_unreadable "$deployed")
    [ -z "$why" ] || fail "$unit runs $deployed, and the stack's server is $RH_SERVER ($RH_REDIS_SERVER_BIN), but $why: a $RH_SERVER replica could never sync from the running master, so the cluster cannot move over without loss. Set \`server\` back to what the cluster runs, or deploy $RH_SERVER as a new cluster (its own clusterName and ports) and move the clients"
    log "server switch: $RH_SERVER $(binary_version) reads the RDB files of $(basename "$deployed") $(binary_version "$deployed"); the cluster moves over replicas first"
done
# Every config-table directive of redis.conf is one this host's server version accepts.
if [ -n "${RH_DIRECTIVES:-}" ]; then
    scratch_start || fail "cannot start $RH_REDIS_SERVER_BIN to check the directives it accepts"
    unknown=""
    for directive in $RH_DIRECTIVES; do
        [ -n "$(scratch_cli CONFIG GET "$directive")" ] || unknown="$unknown $directive"
    done
    scratch_stop
    [ -z "$unknown" ] || fail "$RH_SERVER $(binary_version) here does not accept:$unknown; remove them from the stack's redis settings, or install a $RH_SERVER version that has them"
fi
if [ -n "$RH_TCP_BACKLOG" ]; then
    while read -r warning; do
        [ -z "$warning" ] || log "host warning: $warning"
    done < <(host_warnings)
fi
log "preflight passed: prerequisites present, ports $(for e in $RH_PORTS; do printf '%s ' "${e%%:*}"; done)free or ours"
