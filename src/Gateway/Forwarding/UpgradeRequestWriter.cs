using System.Buffers;
using System.Text;

namespace Sockway.Gateway.Forwarding;

/// <summary>Serialises the head of an HTTP/1.1 upgrade request (a GET without a body) as it goes on the wire.</summary>
internal static class UpgradeRequestWriter
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    public static void Write(HttpRequestMessage request, IBufferWriter<byte> output)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        Append(output, "GET ");
        Append(output, uri.PathAndQuery);
        Append(output, " HTTP/1.1\r\nHost: ");
        // YARP sets Host when the original one is kept; otherwise it is the destination's authority.
        Append(output, request.Headers.Host ?? uri.Authority);
        Append(output, "\r\n");
        foreach (var (name, values) in request.Headers.NonValidated)
        {
            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            Append(output, name);
            Append(output, ": ");
            // HTTP/1.1 allows one Cookie line only; other lists are comma-joined (RFC 9110 §5.3).
            var separator = string.Equals(name, "Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ";
            var first = true;
            foreach (var value in values)
            {
                if (!first)
                {
                    Append(output, separator);
                }

                AppendValue(output, name, value);
                first = false;
            }

            Append(output, "\r\n");
        }

        Append(output, "\r\n");
    }

    private static void AppendValue(IBufferWriter<byte> output, string name, string value)
    {
        foreach (var c in value)
        {
            // A line break in a value would let a client smuggle a second request to the backend.
            if (c is '\r' or '\n' or '\0' || c > '\u00ff')
            {
                throw new HttpRequestException($"Header '{name}' has a character that cannot be sent in HTTP/1.1.");
            }
        }

        Append(output, value);
    }

    private static void Append(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        var written = Latin1.GetBytes(text, span);
        output.Advance(written);
    }
}
