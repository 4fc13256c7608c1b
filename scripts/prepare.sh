# Sourced by the entry points (lab, tests, benchmarks): makes sure the toolchain and the lab image
# are here, puts the tools on PATH and exports LAB_IMAGE. Expects ROOT (the checkout).
# REDIS_HA_IMAGES: comma-separated lab images × servers the e2e suite runs on: `bookworm` (Debian 12,
# Redis 7.0: the whole suite, and its move to Valkey 8.0), `trixie-redis` (Debian 13, Redis 8.0, and
# the move of a Valkey 8.1 cluster to it), `trixie-valkey` (Debian 13, Valkey 8.1;
# tests/e2e/servers.e2e.spec.ts, migration.e2e.spec.ts) and `trixie-valkey-tls` (the TLS spec on it). bookworm's image (LAB_IMAGE) is always built; a trixie
# entry also builds `build-lab-image.sh trixie` and exports LAB_IMAGE_TRIXIE, so runs without one pay nothing for it.
"$ROOT/scripts/toolchain.sh"
# shellcheck source=/dev/null
source "$("$ROOT/scripts/toolchain.sh" --print-env)"
LAB_IMAGE=$("$ROOT/scripts/build-lab-image.sh" | tail -n 1)
export LAB_IMAGE
case ",${REDIS_HA_IMAGES:-}," in
    *,trixie-*)
        LAB_IMAGE_TRIXIE=$("$ROOT/scripts/build-lab-image.sh" trixie | tail -n 1)
        export LAB_IMAGE_TRIXIE
        ;;
esac
