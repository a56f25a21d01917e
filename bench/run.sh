#!/usr/bin/env bash
# Side-by-side WebSocket benchmark on loopback: direct to the backend, nginx, HAProxy and Sockway, same load, same
# backends, in rounds of alternating order; medians over the rounds, the peer's CPU per operation (from
# /proc/<pid>/stat, same run) beside every throughput figure. Prints the issue-17 table with every target met or not.
#   bench/run.sh           full run: 3 rounds, about 25 minutes on 2 cores
#   bench/run.sh --quick   1 round, shorter runs, smaller idle/scale steps: about 6 minutes (for iterating)
# Narrower runs while iterating (same table, fewer rows):
#   CASES="echo64 upgrades" PEERS="nginx sockway" bench/run.sh --quick
# A/B of two Sockway builds in the same rounds (the other build's output folder, e.g. a copy of the old bin/):
#   PEERS="nginx sockway sockway-epoll" bench/run.sh --quick  -> sockway-epoll: Sockway:Tunnels:Transport=Epoll
#   SOCKWAY_BASELINE=/tmp/sockway-old bench/run.sh --quick     -> an extra peer "baseline", alternated with the rest
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=0; [ "${1:-}" = "--quick" ] && quick=1
work=$(mktemp -d /tmp/sockway-bench.XXXXXX)
results="$work/results.jsonl"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# warm: seconds of the same load, unrecorded, before each measured run (every peer alike; see docs/benchmarks.md).
# hold: idle connections are held this long before the proxy's RSS is read again (after Sockway's memory trim).
if [ $quick = 1 ]; then
  rounds=${ROUNDS:-1}; secs=5; warm=3; hold=12; idle_counts=1000,4000,9000; scale_counts="1000"
else
  rounds=${ROUNDS:-3}; secs=8; warm=5; hold=15; idle_counts=1000,4000,9000; scale_counts="1000 8000"
fi
fixed_rate=${FIXED_RATE:-10000}
cases=${CASES:-"echo64 echo4k rt1 fixed upgrades upgradeswarm idle scale churn"}
peers=${PEERS:-"direct nginx haproxy sockway"}
baseline=${SOCKWAY_BASELINE:-}
[ -n "$baseline" ] && peers="$peers baseline"
has() { case " $cases " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# Extra arguments for sockway, for A/B runs of one switch: SOCKWAY_ARGS="--Sockway:Listeners:DetachUpgrades=false" bench/run.sh
sockway_args=${SOCKWAY_ARGS:-}
# Fixed ports (the peers' configs name them); BENCH_PORT_BASE moves them all, for two benches on one machine.
base=${BENCH_PORT_BASE:-9100}
A=$((base + 1)); B=$((base + 2)); NGINX=$((base + 101)); HAPROXY=$((base + 102)); SOCKWAY=$((base + 103)); SOCKWAY_MGMT=$((base + 193))
started=$(date +%s)

ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
nofile=$(ulimit -n)
# A proxied connection costs the proxy two descriptors; leave headroom. (This sandbox's hard limit is 20000.)
maxconn=$(( (nofile - 200) / 2 ))
if ! command -v nginx >/dev/null || ! command -v haproxy >/dev/null; then
  echo "==> installing nginx and haproxy from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light haproxy >/dev/null 2>&1 \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx haproxy >/dev/null
fi
echo "==> building (Release)" >&2
for project in src/Controller/Sockway.Controller.csproj bench/Sockway.Bench/Sockway.Bench.csproj; do
  dotnet build -c Release -v quiet --nologo -clp:ErrorsOnly "$project" >&2
done
bench="dotnet bench/Sockway.Bench/bin/Release/net10.0/sockway-bench.dll"

render() { sed -e "s|__WORK__|$work|g" -e "s|__NOFILE__|$nofile|g" -e "s|__MAXCONN__|$maxconn|g" -e "s|__WORKERCONN__|$(( nofile - 200 ))|g" -e "s|__BACKEND_A__|$A|g" -e "s|__BACKEND_B__|$B|g" -e "s|__PORT__|$2|g" "bench/peers/$1" > "$work/${1%.template}"; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

echo "==> starting two echo backends on :$A and :$B" >&2
$bench backend --port $A & pids+=($!)
$bench backend --port $B & pids+=($!)
wait_port $A; wait_port $B

peer_pid=""
start_peer() {
  case "$1" in
    direct) peer_pid="${pids[0]}"; url="ws://127.0.0.1:$A/ws" ;;
    nginx)
      mkdir -p "$work/nginx-body" "$work/nginx-proxy"; render nginx.conf.template $NGINX
      nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' 2>/dev/null & peer_pid=$!
      url="ws://127.0.0.1:$NGINX/ws"; wait_port $NGINX ;;
    haproxy)
      render haproxy.cfg.template $HAPROXY
      haproxy -f "$work/haproxy.cfg" -q & peer_pid=$!
      url="ws://127.0.0.1:$HAPROXY/ws"; wait_port $HAPROXY ;;
    sockway|sockway-epoll|baseline)
      local dll=src/Controller/bin/Release/net10.0/sockway.dll; [ "$1" = baseline ] && dll="$baseline/sockway.dll"
      # sockway-epoll: the same binary on Sockway's own epoll transport for detached tunnels.
      local transport=(); [ "$1" = sockway-epoll ] && transport=(--Sockway:Tunnels:Transport=Epoll)
      mkdir -p "$work/routes"; render sockway-routes.yaml.template 0; mv "$work/sockway-routes.yaml" "$work/routes/bench.yaml"
      # Warning level, except the memory trimmer's one line per trim (its pause is reported).
      # The image's runtime setting (Dockerfile): Sockway is measured as it ships. A baseline from before the image
      # set it runs with the runtime's default (100 ms), as it shipped then.
      local tc_delay=${SOCKWAY_TC_DELAY:-0}; [ "$1" = baseline ] && tc_delay=${SOCKWAY_BASELINE_TC_DELAY:-100}
      DOTNET_TC_CallCountingDelayMs=$tc_delay dotnet "$dll" --routes "$work/routes" --bind-address 127.0.0.1 \
        --http-port $SOCKWAY --management-port $SOCKWAY_MGMT --Logging:LogLevel:Default=Warning \
        --Logging:LogLevel:Sockway.Gateway.Memory=Information "${transport[@]}" $sockway_args >>"$work/$1.log" 2>&1 & peer_pid=$!
      url="ws://127.0.0.1:$SOCKWAY/ws"; wait_port $SOCKWAY
      for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$SOCKWAY_MGMT/readyz" >/dev/null && break; sleep 0.1; done ;;
  esac
}
stop_peer() { [ "$1" = direct ] || { kill "$peer_pid" 2>/dev/null; wait "$peer_pid" 2>/dev/null || true; }; }
peer_pids() { if [ "$1" = nginx ]; then echo "$(cat "$work/nginx.pid" 2>/dev/null || echo "$peer_pid"),$(pgrep -d, -P "$(cat "$work/nginx.pid" 2>/dev/null || echo "$peer_pid")")"; else echo "$peer_pid"; fi; }

run() { # case round peer scenario args...
  local case=$1 round=$2 peer=$3 scenario=$4; shift 4
  start_peer "$peer"
  echo "==> [$(( $(date +%s) - started )) s] round $round: $case via $peer" >&2
  local pid_arg=(); [ "$peer" = direct ] || pid_arg=(--pid "$(peer_pids "$peer")")
  line=$($bench "$scenario" --url "$url" "${pid_arg[@]}" "$@" | tail -1)
  echo "{\"peer\":\"$peer\",\"case\":\"$case\",\"round\":$round,${line#\{}" >> "$results"
  stop_peer "$peer"
}

# Each case runs every peer once per round; the order alternates between cases and rounds, so no peer is always
# first (cold page cache, a quieter machine) or last.
order=0
in_order() { local list=($1); if [ $((order++ % 2)) = 0 ]; then echo "${list[@]}"; else printf '%s\n' "${list[@]}" | tac | tr '\n' ' '; fi; }
for round in $(seq 1 "$rounds"); do
  has echo64 && for peer in $(in_order "$peers"); do run echo64 "$round" "$peer" echo --connections 50 --size 64 --seconds $secs --warmup $warm; done
  has echo4k && for peer in $(in_order "$peers"); do run echo4k "$round" "$peer" echo --connections 50 --size 4096 --seconds $secs --warmup $warm; done
  has rt1 && for peer in $(in_order "$peers"); do run rt1 "$round" "$peer" echo --connections 1 --size 64 --seconds $secs --warmup $warm; done
  has fixed && for peer in $(in_order "$peers"); do run fixed "$round" "$peer" echo --connections 50 --size 64 --seconds $secs --warmup $warm --rate "$fixed_rate"; done
  has upgrades && for peer in $(in_order "$peers"); do run upgrades "$round" "$peer" upgrades --concurrency 16 --seconds $secs --warmup $warm; done
done
proxies=$(for p in $peers; do [ "$p" = direct ] || echo "$p"; done)
# Once each: upgrades after 30 s of the same load, so a JIT-compiled proxy is past its tiering (the rounds above
# measure a process in its first ~15 s, as a fresh pod taking a reconnect storm is).
if has upgradeswarm; then
  for peer in $(in_order "$proxies"); do run upgradeswarm 1 "$peer" upgrades --concurrency 16 --seconds $secs --warmup 30; done
fi
# Once each (minutes per peer): RSS per idle tunnel as a slope over the steps, and, for Sockway, the most tunnels one
# process holds under this machine's descriptor limit; then CPU per message with many connections.
if has idle; then
  for peer in $proxies; do
    max_arg=(); case $peer in sockway|sockway-epoll|baseline) max_arg=(--max "$maxconn") ;; esac
    run idle 1 "$peer" idle --counts $idle_counts --hold $hold "${max_arg[@]}"
  done
fi
if has scale; then
  for count in $scale_counts; do
    for peer in $(in_order "$proxies"); do run "scale$count" 1 "$peer" echo --connections "$count" --size 64 --seconds $secs --warmup $warm; done
  done
fi
if has churn && [[ " $peers " = *" sockway "* ]]; then
  start_peer sockway; echo "==> churn via sockway (route file rewritten every 500 ms)" >&2
  line=$($bench churn --url "$url" --routes "$work/routes/bench.yaml" --concurrency 16 --seconds $secs | tail -1)
  echo "{\"peer\":\"sockway\",\"case\":\"churn\",\"round\":1,${line#\{}" >> "$results"; stop_peer sockway
fi
# The memory trimmer's pauses (Sockway logs one line per trim).
for peer in sockway sockway-epoll baseline; do
  [ -f "$work/$peer.log" ] || continue
  grep -ho 'pause [0-9.]* ms' "$work/$peer.log" | awk -v p="$peer" '{printf "{\"peer\":\"%s\",\"case\":\"trim\",\"round\":1,\"pause_ms\":%s}\n", p, $2}' >> "$results" || true
done

echo "==> done in $(( $(date +%s) - started )) s; raw results: $results" >&2
python3 bench/report.py "$results" "$fixed_rate" "$( [ $quick = 1 ] && echo quick || echo full ) ($rounds round(s), $(( ($(date +%s) - started) / 60 )) min)" "$maxconn" "$nofile"
