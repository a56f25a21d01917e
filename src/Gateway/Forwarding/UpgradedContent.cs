using System.Net;

namespace Sockway.Gateway.Forwarding;

/// <summary>The "body" of a 101 response: the upgraded connection itself, handed out once as a stream.</summary>
internal sealed class UpgradedContent(Stream connection) : HttpContent
{
    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(connection);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => connection.CopyToAsync(stream);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            connection.Dispose();
        }

        base.Dispose(disposing);
    }
}
