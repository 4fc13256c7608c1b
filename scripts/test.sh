#!/usr/bin/env bash
# Command (2): all tests. Installs what it needs (toolchain, lab image), then runs the typecheck, the
# unit specs (validation, rendering, ordering, Pulumi mocks) and the e2e specs (real engine, real
# SSH, real systemd on private labs that the specs create and remove).
#
# The e2e specs run once per executor this machine has: on `command` (the default, when its plugin
# is installed) and on `dynamic` (always; it needs no plugin). The specs that never reach a host
# through an executor (preview, bad input, the lab's docker driver, the Python consumer), and README
# command (1) (`lab.sh` picks and keeps its own executor), run in the first pass only.
# Whatever could not run here is listed by name at the end, never counted as passed.
#
# REDIS_HA_IMAGES picks the lab images × servers (scripts/prepare.sh lists them): by default Debian 12
# with Redis 7.0 (every spec) and Debian 13 with Valkey 8.1 (the servers spec), which fits CI's time;
# `REDIS_HA_IMAGES=bookworm,trixie-redis,trixie-valkey,trixie-valkey-tls` runs all of them, any subset
# runs that subset.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export REDIS_HA_IMAGES=${REDIS_HA_IMAGES:-bookworm,trixie-valkey}
# shellcheck source=scripts/prepare.sh
source "$ROOT/scripts/prepare.sh"

# A run killed halfway can leave its private test labs behind. Test labs are named `rht*`; only
# containers and networks labelled with such a lab name are removed.
for kind in "ps -a" "network ls"; do
    # shellcheck disable=SC2086 # $kind is two words on purpose
    stale=$(docker $kind --filter label=org.redis-ha.lab --format '{{.Label "org.redis-ha.lab"}} {{.ID}}' | awk '$1 ~ /^rht/ { print $2 }')
    [ -n "$stale" ] || continue
    # shellcheck disable=SC2086 # one ID per word
    if [ "$kind" = "ps -a" ]; then docker rm -f $stale >/dev/null; else docker network rm $stale >/dev/null; fi
done

echo "[test] typecheck"
npx --no-install tsc --noEmit -p tsconfig.json
echo "[test] lint: eslint (typescript-eslint strict, @pulumi/eslint-plugin), shellcheck, actionlint"
npx --no-install eslint --max-warnings 0 .
shellcheck -s bash remote/*.sh scripts/*.sh bench/*.sh .ci/run
shellcheck -s sh provider/dynamic-provider/pulumi-resource-pulumi-nodejs
actionlint .github/workflows/*.yml

if [ "${REDIS_HA_COMMAND_PLUGIN:-no}" = yes ]; then executors=(command dynamic); else executors=(dynamic); fi
logs=()
trap 'rm -f "${logs[@]}"' EXIT
status=0
run_pass() {
    local executor=$1 log
    shift
    log=$(mktemp)
    logs+=("$log")
    echo "[test] pass on the $executor executor: $*"
    set +e
    REDIS_HA_EXECUTOR=$executor npx --no-install mocha --timeout 900000 "$@" 2>&1 | tee "$log"
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
    set -e
}
count() {
    local n
    n=$(sed -n "s/^ *\([0-9][0-9]*\) $1.*/\1/p" "$2" | tail -n 1)
    echo "${n:-0}"
}

# Without bookworm in REDIS_HA_IMAGES, only the servers, migration and TLS specs run end to end (on the images named).
case ",$REDIS_HA_IMAGES," in
    *,bookworm,*) e2e_specs=(tests/e2e/*.e2e.spec.ts) ;;
    *) e2e_specs=(tests/e2e/servers.e2e.spec.ts tests/e2e/migration.e2e.spec.ts tests/e2e/tls.e2e.spec.ts) ;;
esac
run_pass "${executors[0]}" 'tests/unit/**/*.spec.ts' "${e2e_specs[@]}"
if [ "${#executors[@]}" -gt 1 ]; then
    executor_specs=()
    for spec in "${e2e_specs[@]}"; do
        case "$spec" in *badInput* | *preview* | *labDriver* | *pythonConsumer* | *labCommand*) ;; *) executor_specs+=("$spec") ;; esac
    done
    run_pass "${executors[1]}" "${executor_specs[@]}"
fi

passed=0 failed=0 pending=0
for log in "${logs[@]}"; do
    passed=$((passed + $(count passing "$log")))
    failed=$((failed + $(count failing "$log")))
    pending=$((pending + $(count pending "$log")))
done
notrun=$(cat "${logs[@]}" | sed -n 's/^\[not run\] //p' | sort -u)
if [ "${#executors[@]}" = 1 ]; then
    notrun=$(printf '%s\n%s' "$notrun" "the e2e suite on the command executor: needs the \`command\` resource plugin (pulumi plugin install resource command)" | sed '/^$/d')
fi
[ -z "$notrun" ] || { echo "[test] not run on this machine:"; printf '%s\n' "$notrun" | sed 's/^/  - /'; }
echo "tests: ${passed} passed, ${failed} failed, ${pending} skipped"
if [ "$passed" = 0 ]; then echo "[test] no test ran"; exit 1; fi
exit "$status"
