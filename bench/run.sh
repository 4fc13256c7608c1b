#!/usr/bin/env bash
# Runs a benchmark on labs of its own and rewrites the README's tables from its JSON:
#   bash bench/run.sh [faults]   failover and operations (bench/faults.ts → bench/results/faults.json, Reliability)
#   bash bench/run.sh deploy     deploy times beside seed 004's role (bench/deploy.ts → bench/results/deploy.json,
#                                Performance); `npm run bench`
#   bash bench/run.sh frontend   clients through the VIP across faults (bench/frontend.ts → bench/results/frontend.json,
#                                Reliability)
#   bash bench/run.sh migration  a live cluster moved Redis <-> Valkey (bench/migration.ts → bench/results/migration.json,
#                                Reliability); it needs the Debian 13 image too
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bench=${1:-faults}
case "$bench" in faults | deploy | frontend) ;; migration) export REDIS_HA_IMAGES=bookworm,trixie-valkey ;; *) echo "unknown benchmark '$bench': faults, deploy, frontend or migration" >&2; exit 2 ;; esac
# shellcheck source=scripts/prepare.sh
source "$ROOT/scripts/prepare.sh"
npx --no-install tsx "bench/$bench.ts"
npx --no-install tsx bench/readmeTable.ts >/dev/null
