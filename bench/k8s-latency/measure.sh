#!/usr/bin/env bash
# Kubernetes-mode latencies (route applied -> first upgrade; endpoint added -> first connection to it), p50/p99
# over N trials (default 20), against the wire-level API double on loopback. Usage: bench/k8s-latency/measure.sh [trials]
# Status writes at scale: dotnet run -c Release --project bench/k8s-latency -- --status-routes 10000 [--status-qps 200 --status-burst 400]
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "+ dotnet run -c Release --project bench/k8s-latency -- --trials ${1:-20}"
dotnet run -c Release --project bench/k8s-latency -- --trials "${1:-20}"
