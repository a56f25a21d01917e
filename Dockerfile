# Build: docker build -t sockway/sockway:0.1.0 .
# Run:   docker run --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges -p 8080:8080 -p 9090:9090 \
#          -v "$PWD/routes:/routes:ro" sockway/sockway:0.1.0 --routes /routes
#
# No `# syntax=` line: it would make BuildKit pull a frontend image, which fails on air-gapped builders.
# The base images are build arguments (the official ones by default), so a mirror or a stand-in can replace them:
#   docker build --build-arg SDK_IMAGE=registry.example.com/dotnet/sdk:10.0 --build-arg RUNTIME_IMAGE=… .
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props global.json ./
COPY src/Gateway/Sockway.Gateway.csproj src/Gateway/
COPY src/Controller/Sockway.Controller.csproj src/Controller/
RUN dotnet restore src/Controller/Sockway.Controller.csproj
COPY src/ src/
# No symbols and no IIS web.config in what ships.
RUN dotnet publish src/Controller/Sockway.Controller.csproj -c Release --no-restore -o /app \
      -p:DebugType=none -p:DebugSymbols=false -p:IsTransformWebConfigDisabled=true \
 && rm -f /app/*.pdb /app/web.config

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
COPY deploy/crds /app/crds
# Sockway binds its own listeners (--http-port, --https-port, --management-port): clear the base image's
# ASPNETCORE_HTTP_PORTS, or every start warns that it overrides those addresses.
# Shutdown: `docker stop` waits 10 s by default (Kubernetes 30 s), so by default the process stops within 8 s and
# closes every open WebSocket with 1001 at once. For a drain spread over a window W, set
# Sockway__Drain__ShutdownWindow=W and Sockway__Drain__ShutdownTimeout >= W + 12 s, and stop with
# `docker stop -t <ShutdownTimeout + 2>` (or `docker run --stop-timeout`). The Helm chart derives all of it.
# DOTNET_TC_CallCountingDelayMs=0: hot methods are promoted to optimised code as soon as they are hot, not after
# start-up has been quiet for 100 ms, which a fresh pod taking a reconnect storm never is (docs/benchmarks.md:
# new WebSockets in a process's first 15 s cost ~0.55x the CPU with it). The runtime reads it from the environment only.
ENV ASPNETCORE_HTTP_PORTS= \
    ASPNETCORE_HTTPS_PORTS= \
    ASPNETCORE_URLS= \
    DOTNET_TC_CallCountingDelayMs=0 \
    Sockway__Drain__ShutdownTimeout=00:00:08 \
    Sockway__Drain__ShutdownWindow=00:00:00
STOPSIGNAL SIGTERM
# Unprivileged user and group; the chart's securityContext uses the same ids. Nothing in the image is writable by
# it, so it runs with a read-only root filesystem (give it a /tmp for dotnet-counters, -trace and -dump).
USER 64198:64198
EXPOSE 8080 8443 9090
ENTRYPOINT ["dotnet", "/app/sockway.dll"]
