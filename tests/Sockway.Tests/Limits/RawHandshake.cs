using System.Net;
using System.Net.Sockets;
using System.Text;
using Sockway.Tests.Gateway;

namespace Sockway.Tests.Limits;

/// <summary>A WebSocket handshake over a raw socket bound to a chosen loopback source address (127.0.0.0/8 is all ours).</summary>
internal sealed class RawHandshake : IDisposable
{
    private RawHandshake(TcpClient tcp, string head)
    {
        Tcp = tcp;
        Head = head;
    }

    public TcpClient Tcp { get; }

    public string Head { get; }

    public int Status => int.Parse(Head.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);

    public string? RetryAfter => Head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Retry-After:", StringComparison.OrdinalIgnoreCase))?[12..].Trim();

    public static async Task<RawHandshake> OpenAsync(IPAddress source, int port, string path, string? extraHeaders = null, byte[]? prefix = null)
    {
        var tcp = new TcpClient(new IPEndPoint(source, 0));
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var request = RawHttp.UpgradeRequest("a.test", path);
            if (extraHeaders is not null)
            {
                request = request.Replace("\r\n\r\n", "\r\n" + extraHeaders + "\r\n\r\n", StringComparison.Ordinal);
            }

            await tcp.GetStream().WriteAsync((byte[])[.. prefix ?? [], .. Encoding.ASCII.GetBytes(request)]);
            var head = await RawHttp.ReadHeadAsync(tcp.GetStream());
            if (head.Length < 12)
            {
                throw new IOException($"no answer to the handshake from {source}: '{head}'");
            }

            return new RawHandshake(tcp, head);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public void Dispose() => Tcp.Dispose();
}
