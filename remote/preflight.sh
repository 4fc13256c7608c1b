# Runs on every host before any host changes, so that what would fail halfway through an update
# (a missing package, a port another process holds) fails it before anything is touched anywhere.
if [ "${RH_REDIS_HOST:-yes}" = yes ]; then
    require_prerequisites
else
    # A frontend-only host: its steps need root, systemd and redis-cli, not redis-server.
    [ "$(id -u)" = 0 ] || fail "must run as root (ssh user is $(id -un)); use root or a user with root rights"
    command -v systemctl >/dev/null || fail "systemd is required (systemctl not found)"
    command -v redis-cli >/dev/null || fail "redis-cli not found: install Debian's redis-tools package"
fi
for entry in ${RH_BINARIES:-}; do
    [ -x "${entry#*:}" ] || fail "${entry#*:} not found: install Debian's ${entry%%:*} package (apt-get install ${entry%%:*})"
done
for entry in $RH_PORTS; do
    require_port_free_or_ours "${entry%%:*}" "${entry#*:}"
done
if [ -n "$RH_TCP_BACKLOG" ]; then
    while read -r warning; do
        [ -z "$warning" ] || log "host warning: $warning"
    done < <(host_warnings)
fi
log "preflight passed: prerequisites present, ports $(for e in $RH_PORTS; do printf '%s ' "${e%%:*}"; done)free or ours"
