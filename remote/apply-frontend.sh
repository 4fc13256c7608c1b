# Converges this host's frontend: HAProxy routing to the master, keepalived holding the VIP where an
# HAProxy of this cluster runs. Each new file is first checked by its daemon (`haproxy -c`,
# `keepalived -t`): a file it would refuse never replaces the running one.
require_root_and_binary "$RH_HAPROXY_BIN" haproxy
require_root_and_binary "$RH_KEEPALIVED_BIN" keepalived
require_cli
id haproxy >/dev/null 2>&1 || fail "user 'haproxy' does not exist: install Debian's haproxy package, which creates it"
require_port_free_or_ours "$RH_FRONTEND_PORT" "$RH_HAPROXY_UNIT"
install -d -m 0755 -o root -g root "$RH_CONFIG_ROOT"
install -d -m 0750 -o root -g haproxy "$RH_FRONTEND_DIR"
claim_ownership

# The daemon's verdict on a candidate file's text: checked in a root-only temp file (it may hold the
# password), removed however the step ends. Not in a pipeline: a subshell would lose the cleanup.
daemon_accepts() {
    local text=$1 tmp out
    shift
    tmp=$(mktemp)
    CLEANUP_FILES="$CLEANUP_FILES $tmp"
    printf '%s\n' "$text" >"$tmp"
    out=$("$@" "$tmp" 2>&1) || fail "$1 refuses the new file: $(printf '%s' "$out" | tail -n 5)"
}

haproxy_conf=$(decode "$RH_HAPROXY_CONF")
keepalived_conf=$(decode "$RH_KEEPALIVED_CONF")
if [[ "$keepalived_conf" == *"$RH_INTERFACE_PLACEHOLDER"* ]]; then
    iface=$(ip -o -4 addr show to "$RH_ANNOUNCE_ADDRESS" | awk 'NR == 1 { print $2 }')
    [ -n "$iface" ] || fail "no interface of this host holds $RH_ANNOUNCE_ADDRESS: set frontend.interface to the one that should carry $RH_VIP"
    keepalived_conf=${keepalived_conf//"$RH_INTERFACE_PLACEHOLDER"/"$iface"}
fi
daemon_accepts "$haproxy_conf" "$RH_HAPROXY_BIN" -c -q -f
daemon_accepts "$keepalived_conf" "$RH_KEEPALIVED_BIN" --config-test -f

haproxy_changed=no
keepalived_changed=no
printf '%s\n' "$haproxy_conf" | write_if_changed "$RH_HAPROXY_CONF_PATH" 0640 root:haproxy && haproxy_changed=yes
install_unit "$RH_HAPROXY_UNIT_PATH" "$RH_HAPROXY_UNIT_FILE" && haproxy_changed=yes
printf '%s\n' "$keepalived_conf" | write_if_changed "$RH_KEEPALIVED_CONF_PATH" 0600 root:root && keepalived_changed=yes
install_unit "$RH_KEEPALIVED_UNIT_PATH" "$RH_KEEPALIVED_UNIT_FILE" && keepalived_changed=yes
enable_units "$RH_HAPROXY_UNIT" "$RH_KEEPALIVED_UNIT"

# HAProxy first: keepalived gives the VIP only to a host whose HAProxy runs.
converge_unit "$RH_HAPROXY_UNIT" "$haproxy_changed"
converge_unit "$RH_KEEPALIVED_UNIT" "$keepalived_changed"

# The first line of ROLE from host:port through a frontend.
role_through() { rcli "$1" "$2" ROLE | head -n 1; }
routes_to_master() { [ "$(role_through "$1" "$2")" = master ]; }
wait_for "$RH_WAIT_START" "this host's HAProxy (127.0.0.1:$RH_FRONTEND_PORT) to route to the master" routes_to_master 127.0.0.1 "$RH_FRONTEND_PORT"
wait_for "$RH_WAIT_FAILOVER" "the VIP $RH_VIP:$RH_FRONTEND_PORT to answer as the master" routes_to_master "$RH_VIP" "$RH_FRONTEND_PORT"
if [ -n "$(ip -o addr show to "$RH_VIP")" ]; then holder="holds the VIP"; else holder="stands by"; fi
log "frontend ready: $RH_VIP:$RH_FRONTEND_PORT reaches the master; this host $holder"
