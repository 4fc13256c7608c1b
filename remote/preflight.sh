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
# A deployed unit of ours runs the stack's server: a switch (redis <-> valkey) of a running cluster
# is refused before any host changes, until redis-ha can move one over without loss.
for unit in ${RH_SERVER_UNITS:-}; do
    file=$(systemctl show -p FragmentPath --value "$unit" 2>/dev/null || true)
    if [ -z "$file" ] || [ ! -f "$file" ]; then continue; fi
    deployed=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$file" | head -n 1)
    [ -z "$deployed" ] || [ "$deployed" = "$RH_REDIS_SERVER_BIN" ] ||
        fail "$unit runs $deployed, but the stack's server is $RH_SERVER ($RH_REDIS_SERVER_BIN): redis-ha does not move a deployed cluster to another server yet; set \`server\` back to what the cluster runs, or deploy $RH_SERVER as a new cluster (its own clusterName and ports) and move the clients"
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
