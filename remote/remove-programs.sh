# Removes this cluster's installed programs from the host (on `pulumi destroy`, or when the host
# leaves the cluster), after every step that ran them was removed. Self-contained: it removes the
# lib.sh the other programs source. Another install step (a rename) owning them now keeps them.
owner=""
[ -f "$RH_OWNER_FILE" ] && owner=$(cat "$RH_OWNER_FILE")
if [ -n "$owner" ] && [ "$owner" != "$RH_OWNER" ]; then
    echo "[redis-ha $RH_HOST] $RH_PROGRAMS_DIR belongs to step $owner now; the removal of step $RH_OWNER keeps it"
    exit 0
fi
rm -rf "$RH_PROGRAMS_DIR"
rmdir "$RH_DATA_ROOT" 2>/dev/null || true
echo "[redis-ha $RH_HOST] removed $RH_PROGRAMS_DIR"
