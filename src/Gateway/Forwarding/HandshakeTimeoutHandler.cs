namespace Sockway.Gateway.Forwarding;

/// <summary>
/// Bounds an upgrade request from the start of its connect to the backend's answer: a backend that accepts the
/// connection and never answers would otherwise hold the client (and its balancing slot) for the whole idle timeout,
/// which is also YARP's activity timeout. After the answer the tunnel is the idle timeout's business.
/// </summary>
internal sealed class HandshakeTimeoutHandler(HttpMessageHandler inner, TimeSpan timeout, TimeProvider time) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero || !request.Headers.Contains("Upgrade"))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await base.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HandshakeTimeoutException(timeout);
        }
    }
}

/// <summary>The backend did not answer an upgrade in time; the client gets 504. Not a sign the endpoint is unreachable.</summary>
internal sealed class HandshakeTimeoutException(TimeSpan timeout)
    : HttpRequestException(HttpRequestError.Unknown, $"The backend did not answer the upgrade within {timeout.TotalSeconds:0.###} s.");
