using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Sockway.Gateway.Handshake;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>HTTP/2 extended CONNECT (RFC 8441) gets the same strictness as an HTTP/1.1 upgrade; pure, on the validator.</summary>
public sealed class HandshakeValidatorTests
{
    [Theory]
    [InlineData("websocket", new[] { "13" }, 0, false)]
    [InlineData("websocket", new[] { "8" }, 426, true)]
    [InlineData("websocket", new string[0], 400, false)]
    [InlineData("websocket", new[] { "13", "13" }, 400, false)]
    [InlineData("websocket", new[] { "13, 8" }, 400, false)]
    [InlineData("websocket", new[] { "013" }, 400, false)]
    [InlineData("connect-udp", new[] { "13" }, 400, false)]
    [InlineData("h2c", new[] { "13" }, 400, false)]
    [InlineData("", new[] { "13" }, 400, false)]
    public void Extended_connect_is_checked_like_an_upgrade(string protocol, string[] versions, int status, bool wrongVersion)
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = "HTTP/2";
        context.Request.Method = HttpMethods.Connect;
        context.Features.Set<IHttpExtendedConnectFeature>(new ExtendedConnect(protocol));
        if (versions.Length > 0)
        {
            context.Request.Headers.SecWebSocketVersion = versions;
        }

        var verdict = HandshakeValidator.Inspect(context);

        Assert.Equal(HandshakeKind.Http2ExtendedConnect, verdict.Kind);
        Assert.Equal(status == 0, verdict.IsValid);
        Assert.Equal(status, verdict.RejectStatus);
        Assert.Equal(wrongVersion, verdict.WrongVersion);
    }

    [Fact]
    public void An_h2_request_without_extended_connect_is_plain()
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = "HTTP/2";

        Assert.Equal(HandshakeKind.PlainHttp, HandshakeValidator.Inspect(context).Kind);
    }

    private sealed class ExtendedConnect(string protocol) : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => true;

        public string? Protocol => protocol;

        public ValueTask<Stream> AcceptAsync() => throw new InvalidOperationException("not accepted in a validator test");
    }
}
