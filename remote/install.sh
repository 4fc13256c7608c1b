# Installs this cluster's remote programs on the host, each file under its SHA-256, for the steps,
# removals and drift checks that run them by that name (components/remote/payload.ts). Files
# already there are kept: a removal or drift check that state wrote before an upgrade still finds
# the revision it names. Only root reads them.
install -d -m 0755 -o root -g root "$RH_DATA_ROOT"
install -d -m 0700 -o root -g root "$RH_PROGRAMS_DIR"
claim_ownership
# Writes each `sha256:base64` word after $1 and $2 to $1<sha256>$2, root only, unless it is there
# already, and checks it against its hash. WRITTEN: how many it wrote.
write_by_hash() {
    local prefix=$1 suffix=$2 entry sha file
    shift 2
    WRITTEN=0
    for entry in "$@"; do
        sha=${entry%%:*}
        file="$prefix$sha$suffix"
        [ -f "$file" ] && [ "$(sha256_hex <"$file")" = "$sha" ] && continue
        decode "${entry#*:}" | write_if_changed "$file" 0600 root:root || true
        [ "$(sha256_hex <"$file")" = "$sha" ] || fail "$file does not match its hash after writing it"
        WRITTEN=$((WRITTEN + 1))
    done
}
# shellcheck disable=SC2086 # space-separated sha256:base64 words
write_by_hash "$RH_PROGRAMS_DIR/" .sh $RH_PROGRAMS
installed=$WRITTEN
# The files this revision's steps write, secrets masked (payload.ts, StagedFile), each under its
# hash: a step reads its own from here. Those of earlier revisions go: no step reads them again.
install -d -m 0700 -o root -g root "$RH_PROGRAMS_DIR/staged"
# shellcheck disable=SC2086 # space-separated sha256:base64 words
set -- ${RH_STAGED:-}
write_by_hash "$RH_PROGRAMS_DIR/staged/" "" "$@"
staged=" ${*%%:*} "
for file in "$RH_PROGRAMS_DIR"/staged/*; do
    [ -e "$file" ] || continue
    case "$staged" in *" ${file##*/} "*) ;; *) rm -f "$file" ;; esac
done
log "programs: $installed file(s) installed in $RH_PROGRAMS_DIR, $# file(s) staged"
