# Sourced by the entry points (lab, tests, benchmarks): makes sure the toolchain and the lab image
# are here, puts the tools on PATH and exports LAB_IMAGE. Expects ROOT (the checkout).
"$ROOT/scripts/toolchain.sh"
# shellcheck source=/dev/null
source "$("$ROOT/scripts/toolchain.sh" --print-env)"
LAB_IMAGE=$("$ROOT/scripts/build-lab-image.sh" | tail -n 1)
export LAB_IMAGE
