using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Sockway.Gateway.Forwarded;
using Sockway.Gateway.Limits;
using Sockway.Gateway.Telemetry;

namespace Sockway.Gateway.ProxyProtocol;

/// <summary>
/// A Kestrel connection middleware in front of TLS and HTTP on a PROXY protocol listener: takes the header off the
/// connection's input pipe and makes its source the connection's remote address, which Kestrel then reports as the
/// request's peer (and so to client limits, logs and X-Forwarded-For). A connection from an untrusted source, or
/// whose first bytes are not a whole valid header within the timeout, is closed before anything else reads it.
/// </summary>
internal sealed partial class ProxyProtocolMiddleware(TrustedProxies sources, TimeSpan timeout, EdgeMetrics metrics, TimeProvider time, ILogger<ProxyProtocolMiddleware> logger)
{
    private readonly LogRateLimiter _logLimiter = new(10, time);

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        if (!sources.IsTrusted(peer))
        {
            Refuse(peer, ProxyRejection.UntrustedSource, "the peer is not a trusted PROXY protocol source");
            return;
        }

        var header = await ReadHeaderAsync(connection);
        if (header.Status != ProxyHeaderStatus.Complete)
        {
            Refuse(peer, header.Reason!, header.Problem!);
            return;
        }

        if (header.Source is { } source)
        {
            connection.RemoteEndPoint = source;
        }

        await next(connection);
    }

    private async Task<ProxyHeader> ReadHeaderAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var deadline = new CancellationTokenSource(timeout, time);
        while (true)
        {
            System.IO.Pipelines.ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                return ProxyHeader.Refuse(ProxyRejection.Timeout, $"no complete PROXY protocol header within {timeout.TotalSeconds:0.###} s");
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or ObjectDisposedException)
            {
                return ProxyHeader.Refuse(ProxyRejection.Truncated, "the connection ended inside the PROXY protocol header");
            }

            var buffer = result.Buffer;
            var header = ProxyHeaderParser.Parse(buffer);
            if (header.Status == ProxyHeaderStatus.Complete)
            {
                input.AdvanceTo(buffer.GetPosition(header.Length));
                return header;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (header.Status == ProxyHeaderStatus.Invalid)
            {
                return header;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                return ProxyHeader.Refuse(ProxyRejection.Truncated, "the connection ended inside the PROXY protocol header");
            }
        }
    }

    private void Refuse(IPAddress? peer, string reason, string problem)
    {
        metrics.ProxyRejected(reason);
        if (_logLimiter.TryAcquire(out var suppressed))
        {
            LogRefused(peer?.ToString() ?? "unknown", problem, suppressed);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection from {Peer} closed before HTTP: {Problem} ({Suppressed} similar lines suppressed since the last)")]
    private partial void LogRefused(string peer, string problem, long suppressed);
}
