#!/usr/bin/env bash
# Builds stand-ins for the Dockerfile's base images where no registry can be reached: a Debian root filesystem
# (debootstrap, from the Debian mirror apt already uses here) plus the .NET already installed on this machine.
#   sockway-ci/dotnet-sdk:10.0     the whole local .NET (SDK and runtimes), the machine's CA bundle
#   sockway-ci/dotnet-aspnet:10.0  the shared runtimes only, with the official image's ASPNETCORE_HTTP_PORTS
# Idempotent: an image already in the engine is kept; the root filesystem is cached as a tarball.
# Usage: DOCKER_HOST=unix:///… stand-in-images.sh   (SOCKWAY_CI_CACHE as in docker-engine.sh)
set -euo pipefail
cache=${SOCKWAY_CI_CACHE:-/var/cache/sockway-ci}
sdk_image=sockway-ci/dotnet-sdk:10.0
runtime_image=sockway-ci/dotnet-aspnet:10.0
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
# A new local .NET makes new images.
stamp=$(ls "$dotnet_root/shared/Microsoft.AspNetCore.App" "$dotnet_root/sdk" | tr -d '\n' | sha256sum | cut -c1-12)

have() { [ "$(docker image inspect -f '{{index .Config.Labels "sockway.ci.stamp"}}' "$1" 2>/dev/null)" = "$stamp" ]; }
if have "$sdk_image" && have "$runtime_image"; then
  echo "stand-in base images up to date ($stamp)"
  exit 0
fi

rootfs_tar="$cache/debian-rootfs.tar"
if [ ! -s "$rootfs_tar" ]; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq debootstrap; } >/dev/null 2>&1 \
      || { echo "debootstrap is not installed and cannot be installed here (needs root and apt-get)" >&2; exit 1; }
  fi
  # The mirror and suite apt uses on this machine (deb822 or one-line sources).
  mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | head -n1 | awk '{print $2}')
  [ -n "$mirror" ] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | head -n1 | awk '{print $2}')
  suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
  dir=$(mktemp -d "$cache/rootfs.XXXXXX")
  echo "debootstrap $suite (minbase) from the local apt mirror…"
  debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,zlib1g,tzdata "$suite" "$dir" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { tail -n 20 "$cache/debootstrap.log" >&2; rm -rf "$dir"; exit 1; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$dir"
fi

build() { # image, then the dotnet parts to copy, then ENV lines
  local image=$1 parts=$2 env=$3 ctx
  ctx=$(mktemp -d "$cache/ctx.XXXXXX")
  cp "$rootfs_tar" "$ctx/rootfs.tar"
  mkdir -p "$ctx/dotnet"
  for part in $parts; do cp -a "$dotnet_root/$part" "$ctx/dotnet/"; done
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
ADD rootfs.tar /
COPY dotnet /usr/share/dotnet
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ["/bin/ln", "-sf", "/usr/share/dotnet/dotnet", "/usr/bin/dotnet"]
ENV DOTNET_RUNNING_IN_CONTAINER=true $env
LABEL sockway.ci.stamp=$stamp
CMD ["bash"]
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q --network none -t "$image" "$ctx" >/dev/null 2>"$cache/build.log" || { cat "$cache/build.log" >&2; exit 1; }
  rm -rf "$ctx"
  echo "built $image"
}
have "$runtime_image" || build "$runtime_image" "dotnet host shared LICENSE.txt" "ASPNETCORE_HTTP_PORTS=8080 APP_UID=1654"
have "$sdk_image" || build "$sdk_image" "dotnet host shared sdk sdk-manifests packs templates LICENSE.txt" \
  "NUGET_CERT_REVOCATION_MODE=offline DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false"
