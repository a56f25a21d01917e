using System.Net.Sockets;

namespace Sockway.Kubernetes.Tests.K3s;

/// <summary>Whether a Docker engine answers, and if not, why: the reason a container suite reports when it skips.</summary>
public static class DockerAvailability
{
    public static async Task<string?> WhyUnavailableAsync()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        using var handler = new SocketsHttpHandler();
        Uri ping;
        if (string.IsNullOrEmpty(host) || host.StartsWith("unix://", StringComparison.Ordinal))
        {
            var socketPath = string.IsNullOrEmpty(host) ? "/var/run/docker.sock" : host["unix://".Length..];
            if (!File.Exists(socketPath))
            {
                return $"no Docker engine: {socketPath} does not exist (set DOCKER_HOST to use another)";
            }

            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            };
            ping = new Uri("http://docker/_ping");
        }
        else
        {
            ping = new Uri(host.Replace("tcp://", "http://", StringComparison.Ordinal).TrimEnd('/') + "/_ping");
        }

        try
        {
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            using var response = await client.GetAsync(ping);
            return response.IsSuccessStatusCode ? null : $"Docker engine at {host ?? "/var/run/docker.sock"} answered {(int)response.StatusCode} to /_ping";
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException)
        {
            return $"no Docker engine answering at {host ?? "/var/run/docker.sock"}: {ex.Message}";
        }
    }
}
