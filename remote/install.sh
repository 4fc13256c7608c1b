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
log "programs: $installed file(s) installed in $RH_PROGRAMS_DIR"
