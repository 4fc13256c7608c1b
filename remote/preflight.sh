# Runs on every host before any host changes, so that what would fail halfway through an update
# (a missing package, a port another process holds) fails it before anything is touched anywhere.
require_prerequisites
for entry in $RH_PORTS; do
    require_port_free_or_ours "${entry%%:*}" "${entry#*:}"
done
if [ -n "$RH_TCP_BACKLOG" ]; then
    while read -r warning; do
        [ -z "$warning" ] || log "host warning: $warning"
    done < <(host_warnings)
fi
log "preflight passed: prerequisites present, ports $(for e in $RH_PORTS; do printf '%s ' "${e%%:*}"; done)free or ours"
