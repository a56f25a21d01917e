using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Gateway.Limits;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Limits;

/// <summary>
/// The handshake-rate table under a flood of distinct sources: 50,000 real connections, each from its own 127.x.y.z,
/// on a frozen clock (so no budget refills and every entry is worth keeping). The table stays at its cap, the
/// process's heap stays flat, and the client that spent its burst first is still refused at the end.
/// </summary>
/// <remarks>The heap is the whole process's: beside other tests it measures their allocations too, so this class runs alone.</remarks>
[Collection(nameof(ClientLimitTableTests))]
[CollectionDefinition(nameof(ClientLimitTableTests), DisableParallelization = true)]
public sealed class ClientLimitTableTests
{
    private const int Sources = 50_000;
    private const int TableSize = 1024;

    [Fact]
    public async Task Fifty_thousand_sources_keep_the_table_at_its_cap_and_memory_flat()
    {
        var clock = new ManualClock();
        var deadPort = FreePort();
        // No backend listens: an admitted handshake costs Sockway a refused connect, never a tunnel.
        await using var scenario = await Scenario.StartAsync(0, _ => new Dictionary<string, string>
        {
            ["flood.yaml"] = Manifests.Join(
                Manifests.Route("flood", "/flood", "nobody", extraSpec: "limits: {handshakesPerSecondPerClient: 1, handshakeBurstPerClient: 5}"),
                Manifests.Service("nobody")) + Manifests.Slices("nobody", [deadPort]),
        }, "default/flood", services => services.AddSingleton<TimeProvider>(clock), false, "--Sockway:Gateway:ClientLimitTableSize", TableSize.ToString());
        var port = scenario.Sockway.HttpUri.Port;
        var limiter = scenario.Sockway.App.Services.GetRequiredService<ClientLimiter>();
        Assert.Equal(TableSize, limiter.Capacity);

        var flooder = IPAddress.Loopback;
        var statuses = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            using var handshake = await RawHandshake.OpenAsync(flooder, port, "/flood");
            statuses.Add(handshake.Status);
        }

        Assert.DoesNotContain(429, statuses[..5]);
        Assert.Equal(429, statuses[5]);

        long heapAfterWarmUp = 0;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        var next = -1;
        var refused = 0;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Sources)
            {
                Assert.True(DateTime.UtcNow < deadline, "the flood took longer than its bound");
                var source = new IPAddress([127, (byte)(1 + (i >> 16)), (byte)(i >> 8), (byte)i]);
                using var handshake = await RawHandshake.OpenAsync(source, port, "/flood");
                if (handshake.Status == 429)
                {
                    Interlocked.Increment(ref refused);
                }

                Assert.InRange(limiter.RateEntries, 0, TableSize);
            }
        }

        // Warm-up: fill the table past its cap once, then measure from there.
        var warmUp = Sources / 10;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => WorkerUntil(warmUp)));
        Volatile.Write(ref next, warmUp - 1);

        heapAfterWarmUp = Heap();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Worker()));
        var heapAfterFlood = Heap();

        Assert.Equal(0, refused); // every fresh source had its own budget
        // 45,000 more sources than the table holds: a table that grew with them would hold ~2.5 MB more (measured: ~0.35 MB of noise).
        Assert.True(heapAfterFlood - heapAfterWarmUp < 1536 * 1024, $"heap grew {(heapAfterFlood - heapAfterWarmUp) / 1024} KiB");
        Assert.InRange(limiter.RateEntries, TableSize - (TableSize / 8), TableSize);

        using (var again = await RawHandshake.OpenAsync(flooder, port, "/flood"))
        {
            Assert.Equal(429, again.Status);
        }

        var scrape = await PrometheusScrape.FetchAsync(scenario.Sockway.ManagementUri);
        Assert.InRange(scrape.Sum("sockway_limits_clients", ("table", "handshake_rate")), 1, TableSize);

        async Task WorkerUntil(int count)
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var source = new IPAddress([127, (byte)(1 + (i >> 16)), (byte)(i >> 8), (byte)i]);
                using var handshake = await RawHandshake.OpenAsync(source, port, "/flood");
                Assert.NotEqual(429, handshake.Status);
            }
        }
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
