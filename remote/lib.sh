# Shared helpers for redis-ha's remote steps. Sourced (inlined) into every step; never run alone.
# Inputs arrive as RH_* variables set by the payload; the password only ever lives in
# REDISCLI_AUTH (environment, not argv) and in 0600 files.

# What to undo however the step ends: temp files (they may hold the password), paused writes, the
# hand-over's replication PING period and replica priorities a switchover lowered.
CLEANUP_FILES=""
WRITES_PAUSED=no
PING_PERIOD_SAVED=""
PRIORITIES_LOWERED=""
at_exit() {
    if [ "$WRITES_PAUSED" = yes ]; then rcli 127.0.0.1 "$RH_REDIS_PORT" CLIENT UNPAUSE >/dev/null || true; fi
    if [ -n "$PING_PERIOD_SAVED" ]; then rcli 127.0.0.1 "$RH_REDIS_PORT" CONFIG SET repl-ping-replica-period "$PING_PERIOD_SAVED" >/dev/null || true; fi
    restore_priorities || true
    scratch_stop
    # shellcheck disable=SC2086 # a space-separated list of mktemp paths
    [ -z "$CLEANUP_FILES" ] || rm -f $CLEANUP_FILES
}
trap at_exit EXIT

log() { printf '[redis-ha %s] %s\n' "$RH_HOST" "$*"; }
fail() { printf '[redis-ha %s] ERROR: %s\n' "$RH_HOST" "$*" >&2; exit 1; }

# With TLS (RH_TLS=yes) every redis-cli call speaks TLS and presents this host's certificate.
rh_tls_flags=()
if [ "${RH_TLS:-no}" = yes ]; then
    rh_tls_flags=(--tls --cacert "$RH_TLS_CA_FILE" --cert "$RH_TLS_CERT_FILE" --key "$RH_TLS_KEY_FILE")
fi

# The server's CLI (RH_CLI: redis-cli or valkey-cli) without the password on the command line: both
# read REDISCLI_AUTH (valkey-cli from 9.0 on prefers VALKEYCLI_AUTH and falls back to it).
rcli() {
    local host=$1 port=$2
    shift 2
    timeout 5 "$RH_CLI" --no-auth-warning --raw "${rh_tls_flags[@]}" -h "$host" -p "$port" "$@" 2>/dev/null
}

# Value of `field` in an INFO section (field:value lines).
info_field() {
    rcli "$1" "$2" INFO "$3" | tr -d '\r' | awk -F: -v k="$4" '$1 == k { print $2 }'
}

# "<server> <version>" of the server at host:port (e.g. `redis 7.0.15`, `valkey 8.1.1`; nothing when
# it does not answer): Valkey's INFO keeps `redis_version` at 7.2.4 for old clients and gives its own
# as `valkey_version`.
server_identity() {
    rcli "$1" "$2" INFO server | tr -d '\r' |
        awk -F: '$1 == "redis_version" { r = $2 } $1 == "valkey_version" { v = $2 } END { if (v != "") print "valkey " v; else if (r != "") print "redis " r }'
}

# The version of a server binary, by default this host's (`--version` prints `... v=7.0.15 ...`).
binary_version() { "${1:-$RH_REDIS_SERVER_BIN}" --version | sed -n 's/.* v=\([^ ]*\).*/\1/p'; }

# Value of `field` in SENTINEL MASTER <name> (alternating key / value lines).
sentinel_master_field() {
    rcli "$1" "$2" SENTINEL MASTER "$RH_MASTER_NAME" | tr -d '\r' | awk -v k="$3" 'prev == k { print; exit } { prev = $0 }'
}

# " replica ip:port" / " sentinel ip:port" for each entry the sentinel at host:port knows that is down.
down_entries() {
    local host=$1 port=$2 kind
    for kind in REPLICAS SENTINELS; do
        rcli "$host" "$port" SENTINEL "$kind" "$RH_MASTER_NAME" | tr -d '\r' | awk -v kind="${kind%S}" '
            prev == "ip" { ip = $0 } prev == "port" { port = $0 }
            prev == "flags" && /(s_down|o_down|disconnected)/ { printf " %s %s:%s", tolower(kind), ip, port }
            { prev = $0 }'
    done
}

require_prerequisites() {
    [ "$(id -u)" = 0 ] || fail "must run as root (ssh user is $(id -un)); use root or a user with root rights"
    command -v systemctl >/dev/null || fail "systemd is required (systemctl not found)"
    [ -x "$RH_REDIS_SERVER_BIN" ] || fail "$RH_REDIS_SERVER_BIN not found: install Debian's $RH_SERVER_PACKAGE package (apt-get install $RH_SERVER_PACKAGE)"
    require_cli
    id "$RH_SERVICE_USER" >/dev/null 2>&1 || fail "user '$RH_SERVICE_USER' does not exist: install Debian's $RH_SERVER_PACKAGE package, which creates it"
}

# The server's CLI, which every step talks to the services through.
require_cli() {
    command -v "$RH_CLI" >/dev/null || fail "$RH_CLI not found: install Debian's $RH_TOOLS_PACKAGE package (apt-get install $RH_TOOLS_PACKAGE)"
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

# The cluster's directories belong to the account our services run as. While the cluster moves to
# another server (redis <-> valkey, whose packages run them as different accounts), the other service
# on this host (RH_PEER_UNIT) may still run as the old one: its group keeps write access (0770) until
# its own step moves it too, since both rewrite their files in place (CONFIG REWRITE renames a temp file).
ensure_directories() {
    local group=$RH_SERVICE_GROUP mode=0750 peer_group=""
    install -d -m 0755 -o root -g root "$RH_CONFIG_ROOT" "$RH_DATA_ROOT" "$RH_LOG_ROOT"
    [ -z "${RH_PEER_UNIT:-}" ] || peer_group=$(unit_setting "$RH_PEER_UNIT" Group)
    if [ -n "$peer_group" ] && [ "$peer_group" != "$RH_SERVICE_GROUP" ]; then group=$peer_group mode=0770; fi
    install -d -m "$mode" -o "$RH_SERVICE_USER" -g "$group" "$RH_CONFIG_DIR" "$RH_DATA_DIR" "$RH_LOG_DIR"
}

# A setting (ExecStart, Group, ...) of one of our units as its installed file says; nothing when it is
# not installed. ExecStart gives only the binary.
unit_setting() {
    local file
    file=$(systemctl show -p FragmentPath --value "$1" 2>/dev/null || true)
    [ -n "$file" ] && [ -f "$file" ] || return 0
    sed -n "s/^$2=\([^ ]*\).*/\1/p" "$file" | head -n 1
}

# Gives this service's own files (RH_SERVICE_FILES) to the account it runs as, while it is stopped:
# after a switch of server the new process runs as another account than the one that wrote them.
own_service_files() {
    local path
    for path in $RH_SERVICE_FILES; do
        [ -e "$path" ] || continue
        find "$path" \( ! -user "$RH_SERVICE_USER" -o ! -group "$RH_SERVICE_GROUP" \) -exec chown -h "$RH_SERVICE_USER:$RH_SERVICE_GROUP" {} +
    done
}

# Starts `unit`, stopped first when it runs (a restart), with its files given to its account in between.
start_service() {
    local unit=$1 verb=start
    if systemctl is-active --quiet "$unit"; then verb=restart; systemctl stop "$unit"; fi
    own_service_files
    systemctl start "$unit" || fail "$unit failed to $verb: $(journalctl -u "$unit" -n 5 --no-pager 2>/dev/null | tail -n 5)"
}

# Records the step running now as the owner of this service (before anything else changes), so that
# the removal of a step it replaced (another executor, another name) leaves the service alone.
claim_ownership() {
    printf '%s\n' "$RH_OWNER" | write_if_changed "$RH_OWNER_FILE" 0600 root:root || true
}

# The step that owns this service now, or nothing (never deployed, or deployed before owners were recorded).
current_owner() { [ -f "$RH_OWNER_FILE" ] && cat "$RH_OWNER_FILE"; return 0; }

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

# Files the programs step staged on this host for a step (components/remote/payload.ts, stageVars):
# each RH_<X>_STAGED, "<SHA-256 of the staged text> <SHA-256 of the file> <n:base64>...", becomes
# RH_<X>, the file's content in base64 as the step's program reads it: the staged text (secrets
# masked) with the lines from stdin put back, checked against the file's hash.
load_staged() {
    local name file content
    for name in $(compgen -v | grep '^RH_.*_STAGED$' || true); do
        # shellcheck disable=SC2086 # words: the two hashes, then the n:base64 entries
        set -- ${!name}
        file="$RH_PROGRAMS_DIR/staged/$1"
        if [ ! -f "$file" ] || [ "$(sha256_hex <"$file")" != "$1" ]; then
            fail "$file (${name%_STAGED}) is missing or changed: run pulumi up again, whose programs step stages it"
        fi
        content=$(staged_content "$file" "${@:3}" | base64 -w0)
        [ "$(decode "$content" | sha256_hex)" = "$2" ] || fail "$file with its secret lines put back is not the file it stands for"
        printf -v "${name%_STAGED}" '%s' "$content"
    done
}

# Keeps this step's removal inputs (RH_KEPT_REMOVAL: bash assignments) on the host under their
# SHA-256, where its removal reads them (components/remote/payload.ts, keptRemoval). Kept until the
# cluster leaves the host: a later revision of the step writes its own beside them, never over them.
keep_removal() {
    local dir="$RH_PROGRAMS_DIR/removal" sha
    [ -n "${RH_KEPT_REMOVAL:-}" ] || return 0
    install -d -m 0700 -o root -g root "$dir"
    sha=$(printf '%s' "$RH_KEPT_REMOVAL" | sha256_hex)
    [ -f "$dir/$sha" ] && [ "$(sha256_hex <"$dir/$sha")" = "$sha" ] && return 0
    printf '%s' "$RH_KEPT_REMOVAL" | write_if_changed "$dir/$sha" 0600 root:root || true
    [ "$(sha256_hex <"$dir/$sha")" = "$sha" ] || fail "$dir/$sha does not match its hash after writing it"
}

# The staged file $1 with the lines that the `n:base64` words after it name replaced by theirs.
staged_content() {
    local file=$1 entry line n=0 sep=""
    local -A secret=()
    shift
    for entry in "$@"; do secret[${entry%%:*}]=$(decode "${entry#*:}"); done
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        [ -z "${secret[$n]+set}" ] || line=${secret[$n]}
        printf '%s%s' "$sep" "$line"
        sep=$'\n'
    done <"$file"
    # The last line's newline, when the file has one.
    if [ -s "$file" ] && [ -z "$(tail -c1 "$file")" ]; then printf '\n'; fi
}

# The master the sentinel at ip:port names, as "ip:port"; nothing when it does not answer, knows no
# master or replies with an error. The one place GET-MASTER-ADDR-BY-NAME's reply is read.
sentinel_master_of() {
    rcli "${1%:*}" "${1##*:}" SENTINEL GET-MASTER-ADDR-BY-NAME "$RH_MASTER_NAME" | tr -d '\r' | paste -sd: - | grep -E '^.+:[0-9]+$' || true
}

# Prints "ip port" of the master as the running sentinels see it, or nothing if none answers.
master_from_sentinels() {
    local addr reply
    for addr in $RH_SENTINEL_ADDRESSES; do
        reply=$(sentinel_master_of "$addr")
        if [ -n "$reply" ]; then printf '%s %s\n' "${reply%:*}" "${reply##*:}"; return 0; fi
    done
    return 0
}

# The master now: Sentinel's view when any sentinel answers, else the master the stack configured.
current_master() {
    local m
    m=$(master_from_sentinels)
    if [ -n "$m" ]; then printf '%s\n' "$m"; else printf '%s %s\n' "$RH_INITIAL_MASTER_ADDRESS" "$RH_REDIS_PORT"; fi
}

# Enables units at boot without the reload `systemctl enable` does by default (about 0.1 s each):
# install_unit has just reloaded systemd if a unit file changed, and the `wants` link it adds is read
# at boot; the steps start their units themselves.
enable_units() { systemctl enable --quiet --no-reload "$@"; }

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
    true_within "$seconds" "$@" || fail "timed out after ${seconds}s waiting for $what"
}

# Whether a condition came true within `seconds` (checked every POLL_SECONDS), for waits that may
# give up. A wait lasts as long as its condition takes, give or take 0.2 s (a check is a local
# redis-cli call or two); the hand-over polls faster still: writes are paused while it waits.
POLL_SECONDS=0.2
true_within() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep "$POLL_SECONDS"
    done
}

redis_answers() { [ "$(rcli 127.0.0.1 "$1" PING)" = PONG ]; }

# --- Config files ---------------------------------------------------------------------------------
# The directives of a redis.conf / sentinel.conf as "key<TAB>value" lines, read the way Redis reads
# them (quotes and escapes as in sdssplitargs), so that a file CONFIG REWRITE or Sentinel rewrote
# (quoted paths, `save` split over several lines) compares equal to the one we rendered.
# Keys: the directive, lowercased; `sentinel <option>`, plus the master name for per-master options.
# Repeated directives (save) are joined. `sentinel monitor` keeps only its quorum: the address is
# Sentinel's. Comments and blank lines are skipped.
# shellcheck disable=SC2016 # an awk program: its $ fields are awk's
CONF_AWK='
function tokenize(line,    n, i, L, c, nx, tok) {
    n = 0; i = 1; L = length(line)
    while (i <= L) {
        while (i <= L && substr(line, i, 1) ~ /[ \t]/) i++
        if (i > L) break
        c = substr(line, i, 1); tok = ""
        if (c == "\"") {
            i++
            while (i <= L) {
                c = substr(line, i, 1)
                if (c == "\\" && i < L) {
                    nx = substr(line, i + 1, 1)
                    if (nx == "n") tok = tok "\n"; else if (nx == "r") tok = tok "\r"; else if (nx == "t") tok = tok "\t"; else tok = tok nx
                    i += 2; continue
                }
                if (c == "\"") { i++; break }
                tok = tok c; i++
            }
        } else if (c == "\047") {
            i++
            while (i <= L) {
                c = substr(line, i, 1)
                if (c == "\\" && substr(line, i + 1, 1) == "\047") { tok = tok "\047"; i += 2; continue }
                if (c == "\047") { i++; break }
                tok = tok c; i++
            }
        } else {
            while (i <= L && substr(line, i, 1) !~ /[ \t]/) { tok = tok substr(line, i, 1); i++ }
        }
        T[++n] = tok
    }
    return n
}
function flat(s) { gsub(/[\t\n\r]/, " ", s); return s }
# An ACL `user` line as CONFIG REWRITE writes it back (ACL DESCRIBE): its rules reordered, the
# implied `resetkeys` dropped, `sanitize-payload` added. Compared as the name and its sorted rules.
function acl_user(n,    i, j, m, t) {
    m = 0
    for (i = 3; i <= n; i++) if (T[i] != "sanitize-payload" && T[i] != "resetkeys") R[++m] = T[i]
    for (i = 2; i <= m; i++) { t = R[i]; for (j = i - 1; j > 0 && R[j] > t; j--) R[j + 1] = R[j]; R[j + 1] = t }
    t = T[2]
    for (i = 1; i <= m; i++) t = t " " R[i]
    return t
}
/^[ \t]*(#|$)/ { next }
{
    n = tokenize($0)
    key = tolower(T[1]); first = 2
    # Valkey names masterauth and masteruser primaryauth and primaryuser, and its CONFIG REWRITE writes those.
    if (key == "primaryauth") key = "masterauth"; else if (key == "primaryuser") key = "masteruser"
    if (key == "sentinel" && n >= 2) {
        sub_ = tolower(T[2]); key = key " " sub_; first = 3
        if (sub_ ~ /^(monitor|auth-pass|auth-user|down-after-milliseconds|failover-timeout|parallel-syncs|config-epoch|leader-epoch|known-replica|known-sentinel|notification-script|client-reconfig-script|master-reboot-down-after-period)$/ && n >= 3) {
            key = key " " T[3]; first = 4
        }
    }
    value = ""
    for (j = first; j <= n; j++) value = value (j > first ? " " : "") T[j]
    if (key ~ /^sentinel monitor /) value = T[n]
    if (key == "user") value = acl_user(n)
    if (key in V) V[key] = V[key] " " value; else { V[key] = value; K[++count] = key }
}
END {
    if (want != "") { if (want in V) printf "%s", V[want]; exit }
    for (k = 1; k <= count; k++) printf "%s\t%s\n", K[k], flat(V[K[k]])
}
'
conf_canon() { awk -v want= "$CONF_AWK" "$1"; }

# The value of directive `key` in `file` (unquoted, as Redis reads it), e.g. the password for scripts
# that run without being given it.
conf_value() { awk -v want="$2" "$CONF_AWK" "$1"; }

# The admin password stored in the first of the given files (root-only copies of our configs) that
# has one: for programs that run without being given it (drift check, removal) and for the old
# password during a rotation. Sentinel's file always has `requirepass`; a data node's has none when
# ACL users are on (the admin password is only a `user default` hash there).
stored_admin_password() {
    local file value
    for file in "$@"; do
        [ -f "$file" ] || continue
        value=$(conf_value "$file" requirepass)
        [ -z "$value" ] || { printf '%s' "$value"; return 0; }
    done
}

# Keys of `managed` whose value in `actual` differs, one per line. A missing `actual` differs in every
# key. With `absent_ok`, keys missing from `actual` are not reported (Sentinel drops its own tunables
# from its file when they equal its defaults). Keys owned by Sentinel (RH_SENTINEL_OWNED: replicaof)
# are never compared.
conf_differences() {
    local managed=$1 actual=$2 absent_ok=${3:-no}
    if [ ! -f "$actual" ]; then conf_canon "$managed" | awk -F'\t' -v owned=" ${RH_SENTINEL_OWNED:-} " '!index(owned, " " $1 " ") { print $1 }'; return 0; fi
    awk -F'\t' -v absent_ok="$absent_ok" -v owned=" ${RH_SENTINEL_OWNED:-} " '
        FNR == NR { A[$1] = $2; next }
        index(owned, " " $1 " ") { next }
        !($1 in A) { if (absent_ok != "yes") print $1; next }
        A[$1] != $2 { print $1 }
    ' <(conf_canon "$actual") <(conf_canon "$managed")
}

# Keys of `old` (what redis-ha applied last time) that `new` no longer has: directives taken out of
# the stack config, which a running Redis keeps until it is told otherwise.
removed_directives() {
    [ -f "$1" ] || return 0
    awk -F'\t' -v owned=" ${RH_SENTINEL_OWNED:-} " 'FNR == NR { N[$1] = 1; next } !($1 in N) && !index(owned, " " $1 " ") { print $1 }' <(conf_canon "$2") <(conf_canon "$1")
}

# --- A scratch redis-server -----------------------------------------------------------------------
# A throwaway redis-server of this host's binary (no TCP port, a private unix socket, nothing saved,
# no password) that tells what this Redis version makes of a setting: its default, and the form
# CONFIG GET prints a value in ("64mb" is 67108864). at_exit stops it however the program ends.
SCRATCH_DIR=""
SCRATCH_PID=""
# A scratch server of `binary` (default: this host's server binary) on a socket in a temp directory;
# `rdb`, if given, is copied in first, for it to load at startup. Its log's last lines stay in
# SCRATCH_FAILURE when it does not come up.
SCRATCH_FAILURE=""
scratch_start() {
    local binary=${1:-$RH_REDIS_SERVER_BIN} rdb=${2:-}
    SCRATCH_DIR=$(mktemp -d)
    [ -z "$rdb" ] || cp "$rdb" "$SCRATCH_DIR/dump.rdb"
    "$binary" --port 0 --unixsocket "$SCRATCH_DIR/s" --unixsocketperm 700 --dir "$SCRATCH_DIR" --save '' --appendonly no --daemonize no --logfile "$SCRATCH_DIR/log" >/dev/null 2>&1 &
    SCRATCH_PID=$!
    true_within 5 test -S "$SCRATCH_DIR/s" && return 0
    SCRATCH_FAILURE=$(scratch_log_tail)
    scratch_stop
    log "could not start a scratch $(basename "$binary") server (it reads this version's defaults and value forms)" >&2
    return 1
}
# What a scratch server logged last that says why it stopped (its errors, else its last lines).
scratch_log_tail() {
    local log="$SCRATCH_DIR/log" lines
    lines=$(grep -iE "rdb|fatal|error|can't" "$log" 2>/dev/null | tail -n 2) || lines=$(tail -n 2 "$log" 2>/dev/null)
    printf '%s\n' "$lines" | sed 's/^[0-9]*:[A-Z] [0-9]* [A-Za-z]* [0-9]* [0-9:.]* [*#.-] //' | paste -sd' ' -
}
scratch_cli() { env -u REDISCLI_AUTH timeout 5 "$RH_CLI" --raw -s "$SCRATCH_DIR/s" "$@" 2>/dev/null; }
scratch_stop() {
    [ -n "$SCRATCH_DIR" ] || return 0
    kill "$SCRATCH_PID" 2>/dev/null || true
    wait "$SCRATCH_PID" 2>/dev/null || true
    rm -rf "$SCRATCH_DIR"
    SCRATCH_DIR=""
}

# Why this host's server binary cannot start from the RDB file that `source` (another server's
# binary) writes, or nothing when it can: a scratch `source` saves a key, then a scratch of ours
# starts from that file and must answer with the key.
rdb_unreadable() {
    local source=$1 rdb format="" why=""
    # Removed below, not by at_exit: the preflight calls this in $( ), whose end does not run it.
    rdb=$(mktemp)
    if ! scratch_start "$source"; then
        why="$source does not start here to write an RDB file ($SCRATCH_FAILURE)"
    else
        scratch_cli SET redis-ha:rdb-check loaded >/dev/null
        scratch_cli SAVE >/dev/null
        cp "$SCRATCH_DIR/dump.rdb" "$rdb" 2>/dev/null || why="$source did not write an RDB file"
        scratch_stop
    fi
    if [ -z "$why" ]; then
        # The file starts with its format version: REDIS0011 is 11.
        format=$(head -c 9 "$rdb" | tr -dc 'A-Z0-9' | sed 's/^REDIS0*//')
        if ! scratch_start "$RH_REDIS_SERVER_BIN" "$rdb"; then
            why=${SCRATCH_FAILURE:-it did not start}
        elif ! true_within 5 scratch_has_key; then
            why=$(scratch_log_tail)
            why=${why:-it did not answer with the key}
        fi
        scratch_stop
        [ -z "$why" ] || why="$RH_SERVER $(binary_version) cannot read the RDB files $(basename "$source") $(binary_version "$source") writes (format $format; it says: $why)"
    fi
    rm -f "$rdb"
    [ -z "$why" ] || echo "$why"
}
scratch_has_key() { [ "$(scratch_cli GET redis-ha:rdb-check)" = loaded ]; }

# Redis's own default of each directive given, as "key<TAB>value" lines.
redis_defaults() {
    local key
    scratch_start || return 1
    for key in "$@"; do printf '%s\t%s\n' "$key" "$(scratch_cli CONFIG GET "$key" | sed -n 2p)"; done
    scratch_stop
}

# Keys of `managed` whose running value (CONFIG GET on this host's Redis at `port`, authenticated by
# REDISCLI_AUTH) is not what the file says, both in the form CONFIG GET prints: a hand CONFIG SET,
# which the file does not show. Not compared: directives only a restart changes (they cannot drift
# live), the passwords (several are accepted during a rotation; ACL users are not in CONFIG GET), and
# values the scratch server does not take (e.g. a maxclients above its own file limit).
live_differences() {
    local managed=$1 port=$2 key value want got
    scratch_start || return 0
    while IFS=$'\t' read -r key value; do
        # The restart directives include every port: a scratch server must never listen on one.
        case " $RH_RESTART_DIRECTIVES $RH_PASSWORD_DIRECTIVES $RH_SENTINEL_OWNED " in *" $key "*) continue ;; esac
        [ "$(printf '%s' "$value" | scratch_cli -x CONFIG SET "$key")" = OK ] || continue
        want=$(scratch_cli CONFIG GET "$key" | sed -n 2p || true)
        got=$(rcli 127.0.0.1 "$port" CONFIG GET "$key" | sed -n 2p | tr -d '\r' || true)
        [ "$want" = "$got" ] || printf '%s\n' "$key"
    done < <(conf_canon "$managed")
    scratch_stop
}

# Redis's own startup warnings about this host's kernel settings, one line each (nothing when none
# applies). They are host-wide (any Redis here, the existing one too, runs under them): reported, not changed.
host_warnings() {
    local v
    v=$(cat /proc/sys/vm/overcommit_memory 2>/dev/null || echo "?")
    [ "$v" = 1 ] || echo "vm.overcommit_memory is $v, not 1: a background save or replication can fail under memory pressure (sysctl vm.overcommit_memory=1, or redis-ha:hostTuning true)"
    v=$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo 0)
    [ "$v" -ge "$RH_TCP_BACKLOG" ] 2>/dev/null || echo "net.core.somaxconn is $v, below tcp-backlog $RH_TCP_BACKLOG: the kernel shortens Redis's accept queue (sysctl net.core.somaxconn=$RH_TCP_BACKLOG, or redis-ha:hostTuning true)"
    v=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true)
    [ "$v" != always ] || echo "transparent huge pages are 'always': latency and memory use suffer after each fork (echo madvise > /sys/kernel/mm/transparent_hugepage/enabled, or redis-ha:hostTuning true)"
}

# The sentinel at ip:port sees the cluster: the master (flags exactly `master`: not down, no failover
# under way), at least $2 replicas and $3 other sentinels, and, once $4 sentinels run and that is at
# least the quorum, CKQUORUM OK. What a sentinel's step and a removal's SENTINEL RESET wait for.
sentinel_sees_cluster() {
    local addr=$1 replicas=$2 others=$3 running=$4 flags seen
    flags=$(sentinel_master_field "${addr%:*}" "${addr##*:}" flags)
    [ "$flags" = master ] || return 1
    seen=$(sentinel_master_field "${addr%:*}" "${addr##*:}" num-slaves)
    [ "${seen:-0}" -ge "$replicas" ] || return 1
    seen=$(sentinel_master_field "${addr%:*}" "${addr##*:}" num-other-sentinels)
    [ "${seen:-0}" -ge "$others" ] || return 1
    [ "$running" -lt "$RH_QUORUM" ] || sentinel_has_quorum "$addr"
}

# The sentinel at ip:port reaches its quorum and a majority of the sentinels it knows.
sentinel_has_quorum() {
    case "$(rcli "${1%:*}" "${1##*:}" SENTINEL CKQUORUM "$RH_MASTER_NAME")" in OK*) return 0 ;; *) return 1 ;; esac
}

# True when the running process of `unit` was started from a redis-server binary that has since been
# replaced on disk (a package upgrade): it must restart to run the new version.
binary_replaced() {
    local pid exe
    pid=$(systemctl show -p MainPID --value "$1" 2>/dev/null || echo 0)
    [ "${pid:-0}" != 0 ] || return 1
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    [ "$exe" != "$(readlink -f "$RH_REDIS_SERVER_BIN")" ]
}

# Every sentinel address of the cluster that answers.
reachable_sentinels() {
    local addr
    for addr in $RH_SENTINEL_ADDRESSES; do
        [ "$(rcli "${addr%:*}" "${addr##*:}" PING)" = PONG ] && printf '%s\n' "$addr"
    done
    return 0
}

# The same, except this host's own sentinel.
reachable_other_sentinels() { reachable_sentinels | grep -v "^$RH_ANNOUNCE_ADDRESS:" || true; }

# --- Mastership -----------------------------------------------------------------------------------
is_current_master() {
    local ip port
    read -r ip port < <(current_master)
    [ "$ip" = "$RH_ANNOUNCE_ADDRESS" ] && [ "$port" = "$RH_REDIS_PORT" ]
}

replicas_caught_up() {
    local connected acked
    connected=$(info_field 127.0.0.1 "$RH_REDIS_PORT" replication connected_slaves)
    acked=$(rcli 127.0.0.1 "$RH_REDIS_PORT" WAIT "${connected:-0}" 1000)
    [ "${connected:-0}" -ge 1 ] && [ "${acked:-0}" -ge "$connected" ]
}

sentinels_moved_master_away() {
    local addr reply seen=0
    for addr in $(reachable_other_sentinels) "$RH_ANNOUNCE_ADDRESS:$RH_SENTINEL_PORT"; do
        reply=$(sentinel_master_of "$addr")
        [ -z "$reply" ] && continue
        [ "${reply%:*}" != "$RH_ANNOUNCE_ADDRESS" ] || return 1
        seen=$((seen + 1))
    done
    [ "$seen" -ge 1 ]
}

# Every reachable sentinel last saw each replica it knows reporting the replica role. A sentinel that
# has not polled a replica since that replica was last a master (sentinels poll replicas every 10 s)
# turns the replica Sentinel promotes straight back into a replica (+convert-to-slave): the failover
# then times out with writes paused (measured: a 21 s write pause in a rolling change).
sentinels_see_replicas_as_replicas() {
    local addr
    for addr in $(reachable_sentinels); do
        rcli "${addr%:*}" "${addr##*:}" SENTINEL REPLICAS "$RH_MASTER_NAME" | tr -d '\r' |
            awk 'prev == "role-reported" && $0 != "slave" { bad = 1 } { prev = $0 } END { exit bad }' || return 1
    done
}

# Moves mastership to a replica without losing acknowledged writes: writes are paused here, replicas
# acknowledge everything (WAIT), Sentinel promotes one, and this node follows it before writes resume
# (clients blocked meanwhile get an error here and retry on the new master).
hand_over_mastership() {
    local sentinel ip port reply
    sentinel=$(reachable_sentinels | sed -n 1p)
    [ -n "$sentinel" ] || fail "this node is the master, and no sentinel answers to hand mastership over"
    [ "$(info_field 127.0.0.1 "$RH_REDIS_PORT" replication connected_slaves)" -ge 1 ] 2>/dev/null ||
        fail "this node is the master, and no replica is connected to take over; fix the replicas first"
    # Before writes pause: the wait is up to one sentinel poll (10 s), and a hand-over without it is only riskier.
    true_within 15 sentinels_see_replicas_as_replicas ||
        log "a sentinel still sees a replica as a master after 15 s; handing over anyway"
    log "handing mastership over: pausing writes, SENTINEL FAILOVER via $sentinel"
    rcli 127.0.0.1 "$RH_REDIS_PORT" CLIENT PAUSE $(((RH_WAIT_FAILOVER + 10) * 1000)) WRITE >/dev/null
    WRITES_PAUSED=yes
    # Every poll while writes are paused lengthens the pause by up to its period.
    local POLL_SECONDS=0.1
    # A master PINGs its replicas every repl-ping-replica-period even with writes paused. A PING that
    # reaches a replica after Sentinel has promoted another puts it 14 bytes ahead of the new master,
    # which then refuses its partial resync: a full resync, and with min-replicas-to-write no good
    # replica for repl-diskless-sync-delay seconds (measured: 5 s of NOREPLICAS in a rolling change).
    # No PING during the hand-over; the period comes back once this node follows the new master.
    PING_PERIOD_SAVED=$(rcli 127.0.0.1 "$RH_REDIS_PORT" CONFIG GET repl-ping-replica-period | sed -n 2p | tr -d '\r' || true)
    rcli 127.0.0.1 "$RH_REDIS_PORT" CONFIG SET repl-ping-replica-period 3600 >/dev/null || PING_PERIOD_SAVED=""
    wait_for 10 "replicas to acknowledge every write (WAIT)" replicas_caught_up
    reply=$(rcli "${sentinel%:*}" "${sentinel##*:}" SENTINEL FAILOVER "$RH_MASTER_NAME")
    [ "$reply" = OK ] || fail "SENTINEL FAILOVER $RH_MASTER_NAME at $sentinel answered: ${reply:-nothing}"
    wait_for "$RH_WAIT_FAILOVER" "Sentinel to promote a replica" sentinels_moved_master_away
    read -r ip port < <(current_master)
    # What Sentinel would do a few seconds later; doing it now closes the window in which this node still takes writes.
    rcli 127.0.0.1 "$RH_REDIS_PORT" REPLICAOF "$ip" "$port" >/dev/null
    if [ -n "$PING_PERIOD_SAVED" ]; then
        rcli 127.0.0.1 "$RH_REDIS_PORT" CONFIG SET repl-ping-replica-period "$PING_PERIOD_SAVED" >/dev/null
        PING_PERIOD_SAVED=""
    fi
    rcli 127.0.0.1 "$RH_REDIS_PORT" CLIENT UNPAUSE >/dev/null
    WRITES_PAUSED=no
    log "mastership moved to $ip:$port"
}

# A switchover to a named replica makes the others ineligible for the hand-over: replica-priority 0
# on ip:port, the old value restored by restore_priorities (at_exit too, however the program ends).
# Sentinel's reconfiguration of a replica ends in CONFIG REWRITE, which may write the lowered value
# into its redis.conf: the restore rewrites the file too, so a restart never brings the 0 back.
lower_priority_until_exit() {
    local was
    was=$(rcli "$1" "$2" CONFIG GET replica-priority | sed -n 2p | tr -d '\r')
    [ -n "$was" ] || fail "cannot read replica-priority of $1:$2"
    PRIORITIES_LOWERED+="$1:$2:$was "
    rcli "$1" "$2" CONFIG SET replica-priority 0 >/dev/null || fail "cannot set replica-priority of $1:$2"
}

restore_priorities() {
    local entry ip port was
    for entry in $PRIORITIES_LOWERED; do
        IFS=: read -r ip port was <<<"$entry"
        { rcli "$ip" "$port" CONFIG SET replica-priority "$was" && rcli "$ip" "$port" CONFIG REWRITE; } >/dev/null ||
            log "could not restore replica-priority $was on $ip:$port (CONFIG SET and CONFIG REWRITE); set it there by hand"
    done
    PRIORITIES_LOWERED=""
}

# Every reachable sentinel reports priority 0 for each replica lower_priority_until_exit lowered.
sentinels_see_priorities() {
    local addr entry
    for addr in $(reachable_sentinels); do
        for entry in $PRIORITIES_LOWERED; do
            rcli "${addr%:*}" "${addr##*:}" SENTINEL REPLICAS "$RH_MASTER_NAME" | tr -d '\r' | awk -v want="${entry%:*}" '
                prev == "name" { name = $0 } prev == "slave-priority" && name == want && $0 == "0" { ok = 1 } { prev = $0 }
                END { exit !ok }' || return 1
        done
    done
}

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
    # Unchanged files too: after a switch of server the service runs as the other server's group.
    chgrp "$RH_SERVICE_GROUP" "$RH_TLS_CA_FILE" "$RH_TLS_CERT_FILE" "$RH_TLS_KEY_FILE"
    find "$RH_TLS_DIR" -mindepth 1 -maxdepth 1 ! -path "$RH_TLS_CA_FILE" ! -path "$RH_TLS_CERT_FILE" ! -path "$RH_TLS_KEY_FILE" -exec rm -rf {} +
}

# --- Passwords -----------------------------------------------------------------------------------
# Redis and Sentinel users may hold several passwords. A rotation adds the new ones everywhere
# (auth.sh accept), every node and sentinel switches to them, then the old ones go (auth.sh retire).
# A node or sentinel whose file our step writes meanwhile keeps accepting the old ones (grant_passwords).

# The password hashes (SHA-256, hex) user $3 accepts at host $1 port $2, one per line.
accepted_hashes() {
    local reply
    reply=$(rcli "$1" "$2" ACL GETUSER "$3" | tr -d '\r') || true
    awk 'p && length($0) == 64 && /^[0-9a-f]+$/ { print; next } { p = ($0 == "passwords") }' <<<"$reply"
}

# SHA-256 in hex of stdin (a password as Redis keeps it, a unit file).
sha256_hex() { sha256sum | cut -d' ' -f1; }

# The SHA-256 of the admin password this step runs with (REDISCLI_AUTH), as Redis keeps it.
admin_hash() { printf '%s' "$REDISCLI_AUTH" | sha256_hex; }

# Passwords the local service at port $1 accepts beyond what config text $2 grants (and the admin
# password this step runs with), as "user #hash" lines: the old ones while a rotation is under way.
extra_passwords() {
    local port=$1 conf=$2 user hash admin
    admin=$(admin_hash)
    for user in $RH_AUTH_USERS; do
        for hash in $(accepted_hashes 127.0.0.1 "$port" "$user"); do
            [ "$user" = default ] && [ "$hash" = "$admin" ] && continue
            case "$conf" in *"#$hash"*) ;; *) printf '%s #%s\n' "$user" "$hash" ;; esac
        done
    done
}

# The config on stdin, granting the extra passwords $1 too: on each user's `user` line, or, beside
# `requirepass`, a `user default` line with the admin password's hash as well (that line wins over
# `requirepass` when Redis reads the file). A service that starts from it in the middle of a
# rotation accepts the old passwords from its first moment, until auth.sh retire drops them.
grant_passwords() {
    [ -n "$1" ] || { cat; return 0; }
    awk -v extra="$1" -v admin="#$(admin_hash)" '
        BEGIN { n = split(extra, L, "\n"); for (i = 1; i <= n; i++) if (split(L[i], f, " ") == 2) H[f[1]] = H[f[1]] " " f[2] }
        $1 == "user" && ($2 in H) { sub(/ on /, " on" H[$2] " "); done[$2] = 1 }
        { print }
        END { if (("default" in H) && !("default" in done)) print "user default on " admin H["default"] " ~* &* +@all" }'
}

# --- Health --------------------------------------------------------------------------------------
# Whether the cluster is healthy, seen from this host; `problems` says why not. Every sentinel in $1
# (default: all of the cluster's) must answer and agree on the master with CKQUORUM OK and no entry
# that is down; the master must have RH_EXPECT_REPLICAS replicas (default 0) and every data node in
# RH_DATA_ADDRESSES must follow it with its link up.
problems=""
master=""
cluster_healthy() {
    problems=""
    master=""
    local addr reply replicas others stale
    for addr in ${1:-$RH_SENTINEL_ADDRESSES}; do
        reply=$(sentinel_master_of "$addr")
        if [ -z "$reply" ]; then problems+=" sentinel $addr does not answer;"; continue; fi
        if [ -z "$master" ]; then master=$reply; elif [ "$master" != "$reply" ]; then problems+=" sentinels disagree on the master ($master vs $reply at $addr);"; fi
        reply=$(rcli "${addr%:*}" "${addr##*:}" SENTINEL CKQUORUM "$RH_MASTER_NAME" | sed -n 1p)
        case "$reply" in OK*) ;; *) problems+=" CKQUORUM on $addr: ${reply:-no answer};" ;; esac
        replicas=$(sentinel_master_field "${addr%:*}" "${addr##*:}" num-slaves)
        others=$(sentinel_master_field "${addr%:*}" "${addr##*:}" num-other-sentinels)
        # At least: a host being removed in this update still runs until its removal, which resets the sentinels.
        [ "${replicas:-0}" -ge "${RH_EXPECT_REPLICAS:-0}" ] || problems+=" sentinel $addr sees ${replicas:-?} replicas, expected $RH_EXPECT_REPLICAS;"
        [ "${others:-0}" -ge "${RH_EXPECT_OTHER_SENTINELS:-0}" ] || problems+=" sentinel $addr sees ${others:-?} other sentinels, expected $RH_EXPECT_OTHER_SENTINELS;"
        # An entry that is down is stale (a removed host) or a node that did not come back: either way not healthy.
        stale=$(down_entries "${addr%:*}" "${addr##*:}")
        [ -z "$stale" ] || problems+=" sentinel $addr knows entries that are down:$stale;"
    done
    [ -n "$master" ] || { problems+=" no sentinel knows the master;"; return 1; }
    local connected
    connected=$(info_field "${master%:*}" "${master##*:}" replication connected_slaves)
    [ "${connected:-0}" -ge "${RH_EXPECT_REPLICAS:-0}" ] || problems+=" master $master has ${connected:-?} connected replicas, expected $RH_EXPECT_REPLICAS;"
    for addr in ${RH_DATA_ADDRESSES:-}; do
        [ "$addr" = "$master" ] && continue
        local link host_of
        link=$(info_field "${addr%:*}" "${addr##*:}" replication master_link_status)
        host_of=$(info_field "${addr%:*}" "${addr##*:}" replication master_host)
        [ "$link" = up ] || problems+=" replica $addr master_link_status:${link:-unreachable};"
        [ "$host_of" = "${master%:*}" ] || problems+=" replica $addr follows ${host_of:-nothing}, not the master ${master%:*};"
    done
    [ -z "$problems" ]
}

# Waits up to RH_WAIT_HEALTH for cluster_healthy $1; fails the step with the problems otherwise.
wait_healthy() {
    local deadline=$((SECONDS + RH_WAIT_HEALTH))
    until cluster_healthy "${1:-}"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "cluster $RH_MASTER_NAME is not healthy after ${RH_WAIT_HEALTH}s:$problems"
        fi
        sleep "$POLL_SECONDS"
    done
    log "cluster $RH_MASTER_NAME healthy: master $master, sentinels ${1:-$RH_SENTINEL_ADDRESSES} agree, quorum reachable"
}
