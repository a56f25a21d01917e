# syntax=docker/dockerfile:1
# Build: docker build -t sockway/sockway:0.1.0 .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props global.json ./
COPY src/Gateway/Sockway.Gateway.csproj src/Gateway/
COPY src/Controller/Sockway.Controller.csproj src/Controller/
RUN dotnet restore src/Controller/Sockway.Controller.csproj
COPY src/ src/
RUN dotnet publish src/Controller/Sockway.Controller.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
COPY deploy/crds /app/crds
# An unprivileged user; the chart's securityContext expects this uid.
USER 64198
EXPOSE 8080 8443 9090
ENTRYPOINT ["dotnet", "/app/sockway.dll"]
