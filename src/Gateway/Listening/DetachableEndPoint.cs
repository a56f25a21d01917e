using System.Net;

namespace Sockway.Gateway.Listening;

/// <summary>
/// Marks a plain-text listener whose upgraded connections may leave Kestrel (see <see cref="DetachableConnection"/>).
/// Only <see cref="DetachableTransportFactory"/> binds it; every other listener keeps Kestrel's socket transport.
/// </summary>
public sealed class DetachableEndPoint(IPAddress address, int port) : IPEndPoint(address, port)
{
}
