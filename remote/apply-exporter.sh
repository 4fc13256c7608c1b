# Converges one exporter (of this host's data node or sentinel). Its password file is root-only: the
# unit copies it at each start into a runtime directory only the exporter's dynamic user can enter.
require_root_and_binary "$RH_EXPORTER_BIN" prometheus-redis-exporter
require_port_free_or_ours "${RH_EXPORTER_LISTEN##*:}" "$RH_EXPORTER_UNIT"
install -d -m 0755 -o root -g root "$RH_CONFIG_ROOT"
install -d -m 0700 -o root -g root "$RH_EXPORTER_DIR"
claim_ownership

changed=no
decode "$RH_EXPORTER_PASSWORD" | write_if_changed "$RH_EXPORTER_PASSWORD_PATH" 0600 root:root && changed=yes
install_unit "$RH_EXPORTER_UNIT_PATH" "$RH_EXPORTER_UNIT_FILE" && changed=yes
enable_units "$RH_EXPORTER_UNIT"
converge_unit "$RH_EXPORTER_UNIT" "$changed"

# Its metrics as a scraper gets them (HTTP over bash's /dev/tcp: no curl needed on the host).
# shellcheck disable=SC2016 # the inner script's $1 is its own argument
scrape() {
    timeout 5 bash -c 'exec 3<>"/dev/tcp/${1%:*}/${1##*:}" && printf "GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3 && cat <&3' _ "$RH_EXPORTER_LISTEN" 2>/dev/null
}
exporter_up() { scrape | tr -d '\r' | grep -qx 'redis_up 1'; }
wait_for "$RH_WAIT_START" "the exporter on $RH_EXPORTER_LISTEN to report redis_up 1" exporter_up
log "exporter ready on $RH_EXPORTER_LISTEN"
