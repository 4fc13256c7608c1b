#!/usr/bin/env bash
# Command (2): all tests. Installs what it needs (toolchain, lab image), then runs the typecheck, the
# unit specs (validation, rendering, ordering, Pulumi mocks) and the e2e specs (real engine, real
# SSH, real systemd on a private lab that the specs create and remove).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/toolchain.sh
# shellcheck source=/dev/null
source "$(scripts/toolchain.sh --print-env)"
LAB_IMAGE=$(scripts/build-lab-image.sh | tail -n 1)
export LAB_IMAGE

# A run killed halfway can leave its private test lab behind; only containers and networks labelled
# for the test lab are removed.
stale=$(docker ps -aq --filter label=org.redis-ha.lab=rhtest)
[ -z "$stale" ] || docker rm -f $stale >/dev/null
stale=$(docker network ls -q --filter label=org.redis-ha.lab=rhtest)
[ -z "$stale" ] || docker network rm $stale >/dev/null

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
