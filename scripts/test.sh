#!/usr/bin/env bash
# Command (2): all tests. Installs what it needs (toolchain, lab image), then runs the typecheck, the
# unit specs (validation, rendering, ordering, Pulumi mocks) and the e2e specs (real engine, real
# SSH, real systemd on a private lab that the specs create and remove).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/prepare.sh
source "$ROOT/scripts/prepare.sh"

# A run killed halfway can leave its private test labs behind. Test labs are named `rht*`; only
# containers and networks labelled with such a lab name are removed.
for kind in "ps -a" "network ls"; do
    stale=$(docker $kind --filter label=org.redis-ha.lab --format '{{.Label "org.redis-ha.lab"}} {{.ID}}' | awk '$1 ~ /^rht/ { print $2 }')
    [ -z "$stale" ] || { [ "$kind" = "ps -a" ] && docker rm -f $stale >/dev/null || docker network rm $stale >/dev/null; }
done

echo "[test] typecheck"
npx --no-install tsc --noEmit -p tsconfig.json

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
npx --no-install mocha --timeout 900000 'tests/unit/**/*.spec.ts' 'tests/e2e/**/*.spec.ts' 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(sed -n 's/^ *\([0-9][0-9]*\) passing.*/\1/p' "$log" | tail -n 1)
failed=$(sed -n 's/^ *\([0-9][0-9]*\) failing.*/\1/p' "$log" | tail -n 1)
pending=$(sed -n 's/^ *\([0-9][0-9]*\) pending.*/\1/p' "$log" | tail -n 1)
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${pending:-0} skipped"
if [ "${passed:-0}" = 0 ]; then echo "[test] no test ran"; exit 1; fi
exit "$status"
