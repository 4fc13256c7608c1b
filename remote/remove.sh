# Removes one of our services from this host (runs on `pulumi destroy` or when a role is removed).
# Only our own unit and files are touched; Debian's redis-server and other clusters are left alone.
# Usage inputs: RH_UNIT, RH_UNIT_PATH, RH_FILES (space separated), RH_DIRS (removed when empty).
if systemctl list-unit-files "$RH_UNIT" >/dev/null 2>&1; then
    systemctl disable --now "$RH_UNIT" >/dev/null 2>&1 || true
fi
rm -f "$RH_UNIT_PATH"
systemctl daemon-reload
for f in $RH_FILES; do rm -rf "$f"; done
for d in $RH_DIRS; do rmdir "$d" 2>/dev/null || true; done
echo "[redis-ha $RH_HOST] removed $RH_UNIT"
