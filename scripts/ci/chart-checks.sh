#!/usr/bin/env bash
# The Helm chart's checks: lint --strict; render with the defaults and each values file in the chart's ci/ folder
# (written to artifacts/chart/, for a later server-side dry-run); every rendered object validated against the
# Kubernetes OpenAPI schemas; and every case of ci/bad-values.tsv refused with an error that names the value.
# Usage: chart-checks.sh <helm binary>   (installs its validator into .tools/k8s-validate from npm)
set -euo pipefail
cd "$(dirname "$0")/../.."
helm=$1
chart=deploy/helm/sockway
out=artifacts/chart
validator=.tools/k8s-validate
mkdir -p "$out" "$validator"
# helm reports the chart's symlinks (crds/, files/rbac-rules.yaml) at INFO level; nothing else is dropped.
quiet() { grep -v 'found symbolic link in path' >&2 || true; }

if [ ! -f "$validator/node_modules/kubernetes-models/package.json" ]; then
  echo "kubernetes-models (the Kubernetes OpenAPI schemas as validators) from npm…"
  (cd "$validator" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
    && npm install --silent --no-audit --no-fund kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 js-yaml@4.1.0 >/dev/null)
fi

"$helm" lint --strict "$chart" 2> >(quiet)
for name in default $(cd "$chart/ci" && ls ./*-values.yaml | sed 's|^\./||; s|-values\.yaml$||'); do
  values=()
  [ "$name" = default ] || values=(-f "$chart/ci/$name-values.yaml")
  "$helm" lint --strict "$chart" "${values[@]}" >/dev/null 2> >(quiet)
  "$helm" template sockway "$chart" --namespace sockway --include-crds "${values[@]}" > "$out/$name.yaml" 2> >(quiet)
  printf '%-11s %s objects: %s\n' "$name" "$(grep -c '^kind:' "$out/$name.yaml")" \
    "$(grep '^kind:' "$out/$name.yaml" | sort | uniq -c | awk '{print $3"×"$1}' | paste -sd' ')"
done
node scripts/ci/validate-manifests.mjs "$validator/node_modules" "$out"/*.yaml

refused=0
failed=0
while IFS=$'\t' read -r line expect; do
  case "$line" in ''|'#'*) continue ;; esac
  read -ra args <<<"$line"
  if message=$("$helm" template sockway "$chart" "${args[@]}" 2>&1 >/dev/null); then
    echo "NOT REFUSED: $line rendered"; failed=$((failed + 1))
  elif ! grep -qF -- "$expect" <<<"$message"; then
    echo "UNCLEAR: $line was refused without naming '$expect': $(grep -v 'symbolic link' <<<"$message" | head -n 3 | tr '\n' ' ')"; failed=$((failed + 1))
  else
    refused=$((refused + 1))
  fi
done < "$chart/ci/bad-values.tsv"
echo "bad values: $refused refused with a message naming the value, $failed not"
[ "$failed" = 0 ]
