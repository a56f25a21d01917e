#!/usr/bin/env bash
# Starts a private Docker engine for the container smoke test (its own data root and socket, no bridge, no
# iptables), or reuses the one already running there. Prints the DOCKER_HOST to use; exits 1 with the reason on
# stderr where no engine can run here. `docker-engine.sh stop` prunes untagged images and stops the engine this
# script started.
#   SOCKWAY_CI_CACHE  where the engine keeps its data (default /var/cache/sockway-ci), so images survive runs.
set -euo pipefail
cache=${SOCKWAY_CI_CACHE:-/var/cache/sockway-ci}
socket="$cache/docker.sock"
pidfile="$cache/dockerd.pid"
host="unix://$socket"

if [ "${1:-}" = stop ]; then
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # Keep the cache from growing run after run: images left untagged by rebuilds go (the tagged bases stay).
    docker -H "$host" image prune -f >/dev/null 2>&1 || true
    kill "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  exit 0
fi

mkdir -p "$cache"
if docker -H "$host" version >/dev/null 2>&1; then echo "$host"; exit 0; fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq docker.io; } >/dev/null 2>&1 || true
  fi
  command -v dockerd >/dev/null 2>&1 || { echo "dockerd is not installed and cannot be installed here (needs root and apt-get)" >&2; exit 1; }
fi

rm -f "$socket"
nohup dockerd --bridge=none --iptables=false --ip6tables=false --data-root "$cache/docker" --exec-root "$cache/exec" \
  --pidfile "$pidfile" --host "$host" >"$cache/dockerd.log" 2>&1 &
for _ in $(seq 1 150); do
  if docker -H "$host" version >/dev/null 2>&1; then echo "$host"; exit 0; fi
  sleep 0.2
done
echo "dockerd did not start: $(tail -n 3 "$cache/dockerd.log" | tr '\n' ' ')" >&2
exit 1
