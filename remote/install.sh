# Installs this cluster's remote programs on the host, each file under its SHA-256, for the steps,
# removals and drift checks that run them by that name (components/remote/payload.ts). Files
# already there are kept: a removal or drift check that state wrote before an upgrade still finds
# the revision it names. Only root reads them.
install -d -m 0755 -o root -g root "$RH_DATA_ROOT"
install -d -m 0700 -o root -g root "$RH_PROGRAMS_DIR"
claim_ownership
installed=0
for entry in $RH_PROGRAMS; do
    sha=${entry%%:*}
    file="$RH_PROGRAMS_DIR/$sha.sh"
    [ -f "$file" ] && [ "$(sha256_hex <"$file")" = "$sha" ] && continue
    decode "${entry#*:}" | write_if_changed "$file" 0600 root:root || true
    [ "$(sha256_hex <"$file")" = "$sha" ] || fail "$file does not match its hash after writing it"
    installed=$((installed + 1))
done
# The files this revision's steps write, secrets masked (payload.ts, StagedFile), each under its
# hash: a step reads its own from here. Those of earlier revisions go: no step reads them again.
install -d -m 0700 -o root -g root "$RH_PROGRAMS_DIR/staged"
staged=""
count=0
for entry in ${RH_STAGED:-}; do
    sha=${entry%%:*}
    file="$RH_PROGRAMS_DIR/staged/$sha"
    staged="$staged $sha"
    count=$((count + 1))
    [ -f "$file" ] && [ "$(sha256_hex <"$file")" = "$sha" ] && continue
    decode "${entry#*:}" | write_if_changed "$file" 0600 root:root || true
    [ "$(sha256_hex <"$file")" = "$sha" ] || fail "$file does not match its hash after writing it"
done
for file in "$RH_PROGRAMS_DIR"/staged/*; do
    [ -e "$file" ] || continue
    case "$staged " in *" ${file##*/} "*) ;; *) rm -f "$file" ;; esac
done
log "programs: $installed file(s) installed in $RH_PROGRAMS_DIR, $count file(s) staged"
