#!/usr/bin/env bash
# Command (1): brings up the lab and deploys a Redis HA cluster into it (`down` removes both).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/prepare.sh
source "$ROOT/scripts/prepare.sh"
cd "$ROOT" && exec npx --no-install tsx scripts/lab.ts "${1:-up}"
