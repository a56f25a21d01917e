using System.Net;
using System.Net.WebSockets;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>
/// Endpoints of both address families are dialled with a socket of their own family: an IPv6-only backend and an
/// IPv4-only one are each reached, upgraded and echo through the same gateway.
/// </summary>
public sealed class AddressFamilyTests
{
    [Fact]
    public async Task An_ipv6_endpoint_and_an_ipv4_endpoint_are_both_proxied()
    {
        await using var v6 = await TestBackend.StartAsync("backend-v6", address: IPAddress.IPv6Loopback);
        await using var v4 = await TestBackend.StartAsync("backend-v4", address: IPAddress.Loopback);
        using var routes = new RouteDirectory();
        routes.Write("ws.yaml", Manifests.Join(Manifests.Route("ws6", "/v6", "echo6"), Manifests.Service("echo6"), Slice("echo6", "IPv6", "::1", v6.Port),
            Manifests.Route("ws4", "/v4", "echo4"), Manifests.Service("echo4"), Slice("echo4", "IPv4", "127.0.0.1", v4.Port)));
        await using var sockway = await SockwayHost.StartAsync(routes.Path);
        await sockway.WaitForConfigAsync(c => c.Routes.Count(r => r.Endpoints.Any(e => e.Ready)) == 2);

        foreach (var (path, backend) in new[] { ("/v6", "backend-v6"), ("/v4", "backend-v4") })
        {
            using var socket = await WebSocketClient.ConnectAsync(sockway.WebSocketUri(path));
            Assert.Equal(backend, await socket.WhoAmIAsync());
            Assert.Equal("hello", await socket.RoundTripAsync("hello"));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
    }

    private static string Slice(string service, string family, string address, int port) => $"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: {service}
          namespace: default
          labels:
            kubernetes.io/service-name: {service}
        addressType: {family}
        ports:
          - name: http
            port: {port}
        endpoints:
          - addresses: ["{address}"]
        """;
}
