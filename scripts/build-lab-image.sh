#!/usr/bin/env bash
# Builds the lab host image and prints its name on the last line of stdout (progress goes to
# stderr). Idempotent: the tag is a hash of the image sources and this script, so an unchanged
# image is reused in a second.
# Base: debian:bookworm when it can be pulled; otherwise (no registry reachable) a local debootstrap
# of bookworm with all the image's packages, imported with `docker import` and cached as
# redis-ha-lab-base:bookworm, so the Dockerfile's install step then needs no network.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${REDIS_HA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/redis-ha}
LOCAL_BASE=redis-ha-lab-base:bookworm
say() { printf '[lab-image] %s\n' "$*" >&2; }

"$ROOT/scripts/ensure-docker.sh"
hash=$(cat "$ROOT/lab/image/"* "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)
image="redis-ha-lab:$hash"
if docker image inspect "$image" >/dev/null 2>&1; then
    say "up to date"
    echo "$image"
    exit 0
fi

# The package list lives once, in the Dockerfile; the marker records which list the cached local
# base was debootstrapped with, so changing the list rebuilds the base.
packages=$(sed -n 's/^ARG PACKAGES="\(.*\)"$/\1/p' "$ROOT/lab/image/Dockerfile" | tr ' ' ',')
[ -n "$packages" ] || { say "ERROR: no ARG PACKAGES line in lab/image/Dockerfile"; exit 1; }
marker="$CACHE/lab-base-bookworm"
mkdir -p "$CACHE"

base=debian:bookworm
if docker image inspect "$base" >/dev/null 2>&1 || timeout 20 docker pull -q "$base" >/dev/null 2>&1; then
    say "base: $base"
elif docker image inspect "$LOCAL_BASE" >/dev/null 2>&1 && [ "$(cat "$marker" 2>/dev/null)" = "$packages" ]; then
    base=$LOCAL_BASE
    say "base: cached $base"
else
    base=$LOCAL_BASE
    command -v debootstrap >/dev/null || { say "installing debootstrap"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >/dev/null; }
    rootfs=$(mktemp -d "${TMPDIR:-/tmp}/redis-ha-rootfs.XXXXXX")
    trap 'rm -rf "$rootfs"' EXIT
    say "cannot pull debian:bookworm: debootstrapping it (about a minute, log: $CACHE/debootstrap.log)"
    debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" http://deb.debian.org/debian \
        >"$CACHE/debootstrap.log" 2>&1 || { say "ERROR: debootstrap failed, see $CACHE/debootstrap.log"; exit 1; }
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | docker import -c 'CMD ["/sbin/init"]' - "$base" >/dev/null
    echo "$packages" >"$marker"
    say "imported $base"
fi

say "building $image"
# The legacy builder: dockerd 20.10 with a newer CLI and no buildx plugin. Its output (and the
# CLI's deprecation notice) is shown only when the build fails.
if ! out=$(DOCKER_BUILDKIT=0 docker build --force-rm --build-arg "BASE_IMAGE=$base" -t "$image" -t redis-ha-lab:latest \
    "$ROOT/lab/image" 2>&1); then
    printf '%s\n' "$out" | tail -n 40 >&2
    say "ERROR: docker build failed"
    exit 1
fi
say "built $image"
# Drop older hash tags (docker refuses while a container still uses one, which is what we want).
docker images --format '{{.Repository}}:{{.Tag}}' redis-ha-lab | grep -vxF -e "$image" -e redis-ha-lab:latest |
    xargs -r docker rmi >/dev/null 2>&1 || true
echo "$image"
