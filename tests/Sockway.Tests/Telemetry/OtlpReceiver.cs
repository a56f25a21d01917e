using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sockway.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP collector in the test process: Kestrel on loopback accepting protobuf exports and keeping each body.
/// Strings in protobuf are plain UTF-8, so names and attribute values are found in the bytes as sent.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Path, byte[] Body)> Exports { get; } = new();

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Its own requests stay out of the spans it receives: the host's "Microsoft.AspNetCore" source is heard by
        // every tracer provider in the process, Sockway's included.
        builder.Services.AddSingleton(new ActivitySource("Sockway.Tests.OtlpReceiver"));
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (HttpContext context, string signal) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver.Exports.Enqueue(("/v1/" + signal, body.ToArray()));
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    /// <summary>Trace exports whose bytes contain every one of <paramref name="needles"/>.</summary>
    public IEnumerable<byte[]> Traces(params byte[][] needles) => Exports
        .Where(e => e.Path == "/v1/traces" && needles.All(n => e.Body.AsSpan().IndexOf(n) >= 0))
        .Select(e => e.Body);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
