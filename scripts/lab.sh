#!/usr/bin/env bash
# Command (1): brings up the lab and deploys a Redis HA cluster into it (`down` removes both).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/scripts/toolchain.sh"
# shellcheck source=/dev/null
source "$("$ROOT/scripts/toolchain.sh" --print-env)"
LAB_IMAGE=$("$ROOT/scripts/build-lab-image.sh" | tail -n 1)
export LAB_IMAGE
cd "$ROOT" && exec npx --no-install tsx scripts/lab.ts "${1:-up}"
