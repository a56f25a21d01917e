#!/usr/bin/env bash
# Side-by-side WebSocket benchmark on loopback: direct to the backend, nginx, HAProxy and Sockway, same load, same
# backends, alternating order. Prints a markdown table with absolute figures and Sockway's ratios.
#   bench/run.sh --quick   ~3 minutes      bench/run.sh   full run (~12 minutes on 2 cores)
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
# hold: idle connections are held this long before the proxy's RSS is read (steady state, not mid-handshake).
if [ $quick = 1 ]; then secs=5; warm=3; hold=15; conns=50; idle_counts=1000,4000; else secs=15; warm=10; hold=15; conns=50; idle_counts=2000,8000; fi
# Extra arguments for sockway, for A/B runs of one switch: SOCKWAY_ARGS="--Sockway:Listeners:DetachUpgrades=false" bench/run.sh
sockway_args=${SOCKWAY_ARGS:-}
A=9101; B=9102; NGINX=9201; HAPROXY=9202; SOCKWAY=9203; SOCKWAY_MGMT=9293

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

render() { sed -e "s|__WORK__|$work|g" -e "s|__NOFILE__|$nofile|g" -e "s|__MAXCONN__|$maxconn|g" -e "s|__BACKEND_A__|$A|g" -e "s|__BACKEND_B__|$B|g" -e "s|__PORT__|$2|g" "bench/peers/$1" > "$work/${1%.template}"; }
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
    sockway)
      mkdir -p "$work/routes"; render sockway-routes.yaml.template 0; mv "$work/sockway-routes.yaml" "$work/routes/bench.yaml"
      dotnet src/Controller/bin/Release/net10.0/sockway.dll --routes "$work/routes" --bind-address 127.0.0.1 \
        --http-port $SOCKWAY --management-port $SOCKWAY_MGMT --Logging:LogLevel:Default=Warning $sockway_args >/dev/null 2>&1 & peer_pid=$!
      url="ws://127.0.0.1:$SOCKWAY/ws"; wait_port $SOCKWAY
      for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$SOCKWAY_MGMT/readyz" >/dev/null && break; sleep 0.1; done ;;
  esac
}
stop_peer() { [ "$1" = direct ] || { kill "$peer_pid" 2>/dev/null; wait "$peer_pid" 2>/dev/null || true; }; }
peer_pids() { if [ "$1" = nginx ]; then echo "$(cat "$work/nginx.pid" 2>/dev/null || echo "$peer_pid"),$(pgrep -d, -P "$(cat "$work/nginx.pid" 2>/dev/null || echo "$peer_pid")")"; else echo "$peer_pid"; fi; }

run() { # scenario peer args...
  local scenario=$1 peer=$2; shift 2
  start_peer "$peer"
  echo "==> $scenario via $peer" >&2
  line=$($bench "$scenario" --url "$url" "$@" | tail -1)
  echo "{\"peer\":\"$peer\",${line#\{}" >> "$results"
  stop_peer "$peer"
}

orders=("direct nginx haproxy sockway" "sockway haproxy nginx direct")
i=0
for peer in ${orders[$((i++ % 2))]}; do run echo "$peer" --connections $conns --size 512 --seconds $secs --warmup $warm; done
rate=$(python3 -c "import json;print(int(0.5*[json.loads(l) for l in open('$results') if json.loads(l)['peer']=='nginx'][0]['msgs_per_s']))")
for peer in ${orders[$((i++ % 2))]}; do run echo "$peer" --connections $conns --size 512 --seconds $secs --warmup $warm --rate "$rate"; done
for peer in ${orders[$((i++ % 2))]}; do run upgrades "$peer" --concurrency 32 --seconds $secs --warmup $warm; done
for peer in nginx haproxy sockway; do
  start_peer "$peer"; echo "==> idle hold via $peer" >&2
  line=$($bench idle --url "$url" --pid "$(peer_pids "$peer")" --counts $idle_counts --hold $hold | tail -1)
  echo "{\"peer\":\"$peer\",${line#\{}" >> "$results"; stop_peer "$peer"
done
start_peer sockway; echo "==> churn via sockway (route file rewritten every 500 ms)" >&2
line=$($bench churn --url "$url" --routes "$work/routes/bench.yaml" --concurrency 16 --seconds $secs | tail -1)
echo "{\"peer\":\"sockway\",${line#\{}" >> "$results"; stop_peer sockway

python3 bench/report.py "$results" "$rate" "$( [ $quick = 1 ] && echo quick || echo full )"
