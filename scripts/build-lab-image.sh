#!/usr/bin/env bash
# Builds a lab host image and prints its name on the last line of stdout (progress goes to
# stderr). Usage: build-lab-image.sh [bookworm|trixie] — bookworm (the default: Debian's Redis 7.0,
# plus Valkey 8.0 from bookworm-backports, installed but disabled) is tagged redis-ha-lab:<hash> and
# redis-ha-lab:latest; trixie (Redis 8.0 plus Valkey 8.1, likewise) redis-ha-lab:trixie-<hash> and
# redis-ha-lab:trixie. Idempotent: the hash covers the
# image sources and this script, so an unchanged image is reused in a second.
# Base: debian:<dist> when it can be pulled; otherwise (no registry reachable) a local debootstrap
# of <dist> with all the image's packages, imported with `docker import` and cached as
# redis-ha-lab-base:<dist>, so the Dockerfile's install step then needs no network.
set -euo pipefail
dist=${1:-bookworm}
# extra: packages this distribution adds to the Dockerfile's list; prefix, alias: its tags.
# suite: where the extra packages come from (Debian 12 has Valkey only in bookworm-backports).
case $dist in
    bookworm) extra="valkey-server valkey-tools" suite=bookworm-backports prefix="" alias=latest ;;
    trixie) extra="valkey-server valkey-tools" suite="" prefix=trixie- alias=trixie ;;
    *) printf 'usage: %s [bookworm|trixie]\n' "$0" >&2; exit 2 ;;
esac
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${REDIS_HA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/redis-ha}
LOCAL_BASE=redis-ha-lab-base:$dist
say() { printf '[lab-image] %s\n' "$*" >&2; }

"$ROOT/scripts/ensure-docker.sh"
hash=$(cat "$ROOT/lab/image/"* "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)
image="redis-ha-lab:$prefix$hash"
if docker image inspect "$image" >/dev/null 2>&1; then
    say "up to date"
    echo "$image"
    exit 0
fi

# The package list lives once, in the Dockerfile; the marker records which list the cached local
# base was debootstrapped with, so changing the list rebuilds the base.
packages=$(sed -n 's/^ARG PACKAGES="\(.*\)"$/\1/p' "$ROOT/lab/image/Dockerfile")
[ -n "$packages" ] || { say "ERROR: no ARG PACKAGES line in lab/image/Dockerfile"; exit 1; }
base_packages=$packages
packages=$(printf '%s' "$packages${extra:+ $extra}" | tr ' ' ',')
marker="$CACHE/lab-base-$dist"
mkdir -p "$CACHE"

base=debian:$dist
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
    log="$CACHE/debootstrap-$dist.log"
    say "cannot pull debian:$dist: debootstrapping it (about a minute, log: $log)"
    # Packages of another suite (backports) are installed after, by the new system's own apt: debootstrap's
    # --extra-suites would mix that suite's versions into the base system.
    include=$packages
    [ -z "$suite" ] || include=$(printf '%s' "$base_packages" | tr ' ' ',')
    debootstrap --variant=minbase --include="$include" "$dist" "$rootfs" http://deb.debian.org/debian \
        >"$log" 2>&1 || { say "ERROR: debootstrap failed, see $log"; exit 1; }
    if [ -n "$suite" ]; then
        say "installing $extra from $suite"
        echo "deb http://deb.debian.org/debian $suite main" >"$rootfs/etc/apt/sources.list.d/$suite.list"
        # No service starts inside the chroot.
        printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d" && chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
        # shellcheck disable=SC2046 # one package per word
        { chroot "$rootfs" apt-get update && DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y --no-install-recommends \
            $(for p in $extra; do printf '%s/%s ' "$p" "$suite"; done); } >>"$log" 2>&1 || { say "ERROR: installing $extra from $suite failed, see $log"; exit 1; }
        rm -f "$rootfs/usr/sbin/policy-rc.d" "$rootfs/etc/apt/sources.list.d/$suite.list"
    fi
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | docker import -c 'CMD ["/sbin/init"]' - "$base" >/dev/null
    echo "$packages" >"$marker"
    say "imported $base"
fi

say "building $image"
# The legacy builder: dockerd 20.10 with a newer CLI and no buildx plugin. Its output (and the
# CLI's deprecation notice) is shown only when the build fails.
if ! out=$(DOCKER_BUILDKIT=0 docker build --force-rm --build-arg "BASE_IMAGE=$base" \
    --build-arg "EXTRA_PACKAGES=$extra" --build-arg "EXTRA_SUITE=$suite" -t "$image" -t "redis-ha-lab:$alias" "$ROOT/lab/image" 2>&1); then
    printf '%s\n' "$out" | tail -n 40 >&2
    say "ERROR: docker build failed"
    exit 1
fi
say "built $image"
# Drop this distribution's older hash tags, never another's (docker refuses while a container still
# uses one, which is what we want).
docker images --format '{{.Repository}}:{{.Tag}}' redis-ha-lab | grep -xE "redis-ha-lab:${prefix}[0-9a-f]{12}" |
    grep -vxF "$image" | xargs -r docker rmi >/dev/null 2>&1 || true
echo "$image"
