# Shared helpers for redis-ha's remote steps. Sourced (inlined) into every step; never run alone.
# Inputs arrive as RH_* variables set by the payload; the password only ever lives in
# REDISCLI_AUTH (environment, not argv) and in 0600 files.

log() { printf '[redis-ha %s] %s\n' "$RH_HOST" "$*"; }
fail() { printf '[redis-ha %s] ERROR: %s\n' "$RH_HOST" "$*" >&2; exit 1; }

# With TLS (RH_TLS=yes) every redis-cli call speaks TLS and presents this host's certificate.
rh_tls_flags=()
if [ "${RH_TLS:-no}" = yes ]; then
    rh_tls_flags=(--tls --cacert "$RH_TLS_CA_FILE" --cert "$RH_TLS_CERT_FILE" --key "$RH_TLS_KEY_FILE")
fi

# redis-cli without the password on the command line (it reads REDISCLI_AUTH).
rcli() {
    local host=$1 port=$2
    shift 2
    timeout 5 redis-cli --no-auth-warning --raw "${rh_tls_flags[@]}" -h "$host" -p "$port" "$@" 2>/dev/null
}

# Value of `field` in an INFO section (field:value lines).
info_field() {
    rcli "$1" "$2" INFO "$3" | tr -d '\r' | awk -F: -v k="$4" '$1 == k { print $2 }'
}

# Value of `field` in SENTINEL MASTER <name> (alternating key / value lines).
sentinel_master_field() {
    rcli "$1" "$2" SENTINEL MASTER "$RH_MASTER_NAME" | tr -d '\r' | awk -v k="$3" 'prev == k { print; exit } { prev = $0 }'
}

require_prerequisites() {
    [ "$(id -u)" = 0 ] || fail "must run as root (ssh user is $(id -un)); use root or a user with root rights"
    command -v systemctl >/dev/null || fail "systemd is required (systemctl not found)"
    [ -x "$RH_REDIS_SERVER_BIN" ] || fail "$RH_REDIS_SERVER_BIN not found: install Debian's redis-server package (apt-get install redis-server)"
    command -v redis-cli >/dev/null || fail "redis-cli not found: install Debian's redis-tools package"
    id "$RH_SERVICE_USER" >/dev/null 2>&1 || fail "user '$RH_SERVICE_USER' does not exist: install Debian's redis-server package, which creates it"
}

# Refuses a port another process listens on (checked before anything on the host changes).
require_port_free_or_ours() {
    local port=$1 unit=$2 pids ours
    command -v ss >/dev/null || { log "ss not found; skipping the port check for $port"; return 0; }
    pids=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true)
    [ -n "$pids" ] || return 0
    ours=$(systemctl show -p MainPID --value "$unit" 2>/dev/null || echo 0)
    for pid in $pids; do
        if [ "$pid" != "$ours" ]; then
            fail "port $port is already used by $(ps -o comm= -p "$pid" 2>/dev/null || echo "pid $pid") (pid $pid); choose another port in the stack config"
        fi
    done
}

ensure_directories() {
    install -d -m 0755 -o root -g root "$RH_CONFIG_ROOT" "$RH_DATA_ROOT" "$RH_LOG_ROOT"
    install -d -m 0750 -o "$RH_SERVICE_USER" -g "$RH_SERVICE_GROUP" "$RH_CONFIG_DIR" "$RH_DATA_DIR" "$RH_LOG_DIR"
}

# Writes stdin to `path` (mode, owner) atomically when the content differs. Returns 0 when it changed.
write_if_changed() {
    local path=$1 mode=$2 owner=$3 tmp
    tmp=$(mktemp "$(dirname "$path")/.redis-ha.XXXXXX")
    cat >"$tmp"
    if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
        rm -f "$tmp"
        return 1
    fi
    chmod "$mode" "$tmp"
    chown "$owner" "$tmp"
    mv -f "$tmp" "$path"
    return 0
}

decode() { printf '%s' "$1" | base64 -d; }

# Prints "ip port" of the master as the running sentinels see it, or nothing if none answers.
master_from_sentinels() {
    local addr reply
    for addr in $RH_SENTINEL_ADDRESSES; do
        reply=$(rcli "${addr%:*}" "${addr##*:}" SENTINEL GET-MASTER-ADDR-BY-NAME "$RH_MASTER_NAME" | tr -d '\r' | paste -sd' ' -)
        case "$reply" in
            *.*" "[0-9]* | *:*" "[0-9]*) printf '%s\n' "$reply"; return 0 ;;
        esac
    done
    return 0
}

# The master now: Sentinel's view when any sentinel answers, else the master the stack configured.
current_master() {
    local m
    m=$(master_from_sentinels)
    if [ -n "$m" ]; then printf '%s\n' "$m"; else printf '%s %s\n' "$RH_INITIAL_MASTER_ADDRESS" "$RH_REDIS_PORT"; fi
}

# Installs a unit file; reloads systemd when it changed. Returns 0 when it changed.
install_unit() {
    local path=$1 content=$2
    if decode "$content" | write_if_changed "$path" 0644 root:root; then
        systemctl daemon-reload
        return 0
    fi
    return 1
}

# Waits until `check` succeeds or `seconds` pass; on timeout fails with `what`.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${seconds}s waiting for $what"
        sleep 1
    done
}

redis_answers() { [ "$(rcli 127.0.0.1 "$1" PING)" = PONG ]; }

# Installs this service's TLS files (RH_TLS=yes; the key arrives as RH_TLS_KEY, on stdin like the
# password) readable by root and the service group only, and drops files of older certificates; with
# RH_TLS=no removes the directory. The service's config names the files, so a change restarts it.
install_tls_files() {
    if [ "${RH_TLS:-no}" != yes ]; then
        rm -rf "$RH_TLS_DIR"
        return 0
    fi
    install -d -m 0750 -o root -g "$RH_SERVICE_GROUP" "$RH_TLS_DIR"
    decode "$RH_TLS_CA" | write_if_changed "$RH_TLS_CA_FILE" 0640 "root:$RH_SERVICE_GROUP" || true
    decode "$RH_TLS_CERT" | write_if_changed "$RH_TLS_CERT_FILE" 0640 "root:$RH_SERVICE_GROUP" || true
    decode "$RH_TLS_KEY" | write_if_changed "$RH_TLS_KEY_FILE" 0640 "root:$RH_SERVICE_GROUP" || true
    find "$RH_TLS_DIR" -mindepth 1 -maxdepth 1 ! -path "$RH_TLS_CA_FILE" ! -path "$RH_TLS_CERT_FILE" ! -path "$RH_TLS_KEY_FILE" -exec rm -rf {} +
}

