#!/usr/bin/env bash
# Runs the failover benchmark on a lab of its own (prints JSON, writes bench/results/faults.json)
# and rewrites the README's Reliability table from it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/toolchain.sh
# shellcheck source=/dev/null
source "$(scripts/toolchain.sh --print-env)"
LAB_IMAGE=$(scripts/build-lab-image.sh | tail -n 1)
export LAB_IMAGE
npx --no-install tsx bench/faults.ts
npx --no-install tsx bench/readmeTable.ts >/dev/null
