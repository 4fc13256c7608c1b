#!/usr/bin/env bash
# Builds the lab host image and prints its name on the last line. Idempotent: the tag is a hash of
# the image sources, so an unchanged image is reused in a second.
# Base: debian:bookworm when it can be pulled; otherwise (no registry reachable) a local debootstrap
# of bookworm imported with `docker import`, cached as redis-ha-lab-base:bookworm.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${REDIS_HA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/redis-ha}
say() { printf '[lab-image] %s\n' "$*" >&2; }

"$ROOT/scripts/ensure-docker.sh"
hash=$(cat "$ROOT/lab/image/"* "$0" | sha256sum | cut -c1-12)
image="redis-ha-lab:$hash"
if docker image inspect "$image" >/dev/null 2>&1; then
    echo "$image"
    exit 0
fi

base=debian:bookworm
if ! docker image inspect "$base" >/dev/null 2>&1 && ! timeout 20 docker pull -q "$base" >/dev/null 2>&1; then
    base=redis-ha-lab-base:bookworm
    if ! docker image inspect "$base" >/dev/null 2>&1; then
        command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
        packages=$(sed -n 's/^ARG PACKAGES="\(.*\)"$/\1/p' "$ROOT/lab/image/Dockerfile" | tr ' ' ',')
        rootfs=$(mktemp -d "${TMPDIR:-/tmp}/redis-ha-rootfs.XXXXXX")
        say "no base image can be pulled: debootstrapping bookworm (about a minute)"
        debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" http://deb.debian.org/debian >"$CACHE.debootstrap.log" 2>&1 ||
            { say "ERROR: debootstrap failed, see $CACHE.debootstrap.log"; exit 1; }
        rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
        tar -C "$rootfs" -c . | docker import -c 'CMD ["/sbin/init"]' - "$base" >/dev/null
        rm -rf "$rootfs"
        say "imported $base"
    fi
fi
say "building $image from $base"
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE_IMAGE=$base" -t "$image" -t redis-ha-lab:latest "$ROOT/lab/image" >/dev/null
echo "$image"
