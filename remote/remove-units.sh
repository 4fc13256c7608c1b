# Removes a frontend or an exporter from this host (on `pulumi destroy`, or when the stack no longer
# gives the host that role): its units, then its files. Nothing of the data nodes or sentinels, of
# Debian's own haproxy, keepalived or exporter, or of another cluster is touched.
# Replaced, not removed: another step (another executor or name) owns these units now.
owner=$(current_owner)
if [ -n "$owner" ] && [ "$owner" != "$RH_OWNER" ]; then
    log "$RH_UNITS belong to step $owner now; the removal of step $RH_OWNER leaves them running, with their files"
    exit 0
fi
for unit in $RH_UNITS; do
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
done
for f in $RH_UNIT_PATHS; do rm -f "$f"; done
systemctl daemon-reload
for f in $RH_FILES; do rm -rf "$f"; done
for d in $RH_DIRS; do rmdir "$d" 2>/dev/null || true; done
log "removed $RH_UNITS"
