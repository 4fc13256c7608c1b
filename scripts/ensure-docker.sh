#!/usr/bin/env bash
# Makes sure a Docker engine answers: uses a running one, else installs Debian's docker.io and
# starts dockerd (in the background when the host has no systemd). Idempotent.
set -euo pipefail
say() { printf '[docker] %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null; then
    say "installing Debian's docker.io"
    [ "$(id -u)" = 0 ] || { say "ERROR: need root to install docker.io (or install Docker by hand)"; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null; then
    :
elif ! pgrep -x dockerd >/dev/null; then
    say "starting dockerd"
    nohup dockerd >/var/log/redis-ha-dockerd.log 2>&1 &
fi
for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && { say "engine ready"; exit 0; }
    sleep 1
done
say "ERROR: the Docker engine did not answer within 60 s; see /var/log/redis-ha-dockerd.log, or start Docker by hand"
exit 1
