# Helpers of the steps that run Debian's other daemons for a cluster (apply-frontend, apply-exporter),
# inlined after lib.sh into those steps only: a change here reruns no data node or sentinel step.

# Starts a unit that is not running, restarts one whose unit or file changed, leaves the others alone.
converge_unit() {
    local unit=$1 changed=$2
    if ! systemctl is-active --quiet "$unit"; then
        log "starting $unit"
        systemctl start "$unit" || fail "$unit failed to start: $(journalctl -u "$unit" -n 5 --no-pager 2>/dev/null | tail -n 5)"
    elif [ "$changed" = yes ]; then
        log "restarting $unit (its file or unit changed)"
        systemctl restart "$unit" || fail "$unit failed to restart: $(journalctl -u "$unit" -n 5 --no-pager 2>/dev/null | tail -n 5)"
    else
        log "$unit unchanged"
    fi
}

# A daemon's prerequisites: root, and its binary from the Debian package that has it.
require_root_and_binary() {
    local bin=$1 package=$2
    [ "$(id -u)" = 0 ] || fail "must run as root (ssh user is $(id -un))"
    [ -x "$bin" ] || fail "$bin not found: install Debian's $package package (apt-get install $package)"
}
