#!/usr/bin/env bash
# Makes sure a Docker engine answers: uses a running one, else installs Debian's docker.io and
# starts dockerd (in the background when the host has no systemd). Idempotent.
set -euo pipefail
LOG=/var/log/redis-ha-dockerd.log
say() { printf '[docker] %s\n' "$*" >&2; }
fail() {
    say "ERROR: $1"
    say "fix by hand: apt-get update && apt-get install -y docker.io, then start dockerd"
    say "  (systemctl start docker, or without systemd: nohup dockerd >$LOG 2>&1 &) and check 'docker info'"
    exit 1
}

if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    [ "$(id -u)" = 0 ] || fail "dockerd/docker missing and not root, so docker.io cannot be installed"
    say "installing Debian's docker.io"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io; } >/dev/null ||
        fail "apt-get install docker.io failed"
fi
if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null; then
    say "started docker.service"
elif ! pgrep -x dockerd >/dev/null; then
    [ "$(id -u)" = 0 ] || fail "dockerd is not running and only root can start it"
    say "starting dockerd (log: $LOG)"
    # setsid + </dev/null: the daemon must outlive this script and not hold its caller's pipes or
    # process group (callers capture our stdout and may kill their group on Ctrl-C).
    setsid nohup dockerd </dev/null >>"$LOG" 2>&1 &
fi
for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && { say "engine ready"; exit 0; }
    sleep 1
done
pid=$(pgrep -x dockerd | head -n1) && say "dockerd runs (pid $pid) but does not answer: check DOCKER_HOST and the log"
tail -n 5 "$LOG" 2>/dev/null | sed 's/^/[docker]   /' >&2 || true
fail "the Docker engine did not answer 'docker info' within 60 s (dockerd log: $LOG)"
