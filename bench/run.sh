#!/usr/bin/env bash
# Runs the failover benchmark on a lab of its own (prints JSON, writes bench/results/faults.json)
# and rewrites the README's Reliability table from it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/prepare.sh
source "$ROOT/scripts/prepare.sh"
npx --no-install tsx bench/faults.ts
npx --no-install tsx bench/readmeTable.ts >/dev/null
