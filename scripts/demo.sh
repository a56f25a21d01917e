#!/usr/bin/env bash
# Runs the Sockway demo on this machine: two echo backends and Sockway in standalone mode, reading
# examples/demo/routes. Ctrl+C stops everything. Needs only the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

HTTP_PORT=${SOCKWAY_HTTP_PORT:-8080}
MANAGEMENT_PORT=${SOCKWAY_MANAGEMENT_PORT:-9090}

echo "==> Building (Release)…"
dotnet build Controller.sln -c Release --nologo -v quiet -clp:ErrorsOnly

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

echo "==> Starting demo backends echo-a (127.0.0.1:5101) and echo-b (127.0.0.1:5102)…"
for spec in echo-a:5101 echo-b:5102; do
  dotnet examples/EchoBackend/bin/Release/net10.0/echo-backend.dll --urls "http://127.0.0.1:${spec#*:}" --name "${spec%%:*}" \
    --Logging:LogLevel:Default=Warning &
  pids+=($!)
done

echo "==> Starting Sockway (standalone mode, routes from examples/demo/routes)…"
dotnet src/Controller/bin/Release/net10.0/sockway.dll --routes examples/demo/routes \
  --http-port "$HTTP_PORT" --management-port "$MANAGEMENT_PORT" &
pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$MANAGEMENT_PORT/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.2
done

cat <<TXT

  Sockway is running.
    Demo page (opens a WebSocket through Sockway):  http://localhost:$HTTP_PORT/
    WebSocket endpoint:                             ws://localhost:$HTTP_PORT/echo
    Route status:                                   http://localhost:$MANAGEMENT_PORT/api/routes
  Edit examples/demo/routes/*.yaml and Sockway applies the change live. Ctrl+C to stop.

TXT
wait "${pids[-1]}"
