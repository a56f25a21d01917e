using Sockway.Gateway.Framing;
using Xunit;

namespace Sockway.Tests.Framing;

/// <summary>
/// Close requests racing the one writer of a tracked stream (and each other): whatever the interleaving, the peer sees
/// whole frames, then exactly one Close, then nothing.
/// </summary>
public sealed class TrackedStreamConcurrencyTests
{
    [Fact]
    public async Task A_peer_that_already_got_a_close_never_gets_a_second_one()
    {
        var peer = new CaptureStream();
        var tracked = new TrackedStream(peer, peerIsServer: false);
        var backendsClose = CloseFrame.Build(1000, "done", masked: false);
        await tracked.WriteAsync(backendsClose); // the other peer's own Close, forwarded

        await tracked.SendCloseAsync(CloseFrame.GoingAway, "endpoint draining");

        Assert.Equal(backendsClose, peer.Written);
        Assert.False(tracked.CloseSent);
    }

    [Fact]
    public async Task Fuzz_concurrent_close_requests_against_a_busy_writer_give_one_close_at_a_boundary()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var random = new Random(seed);
            var masked = random.Next(2) == 0;
            var frames = FrameFactory.RandomSequence(random, messages: random.Next(1, 10), masked, maxPayload: 20_000);
            var input = frames.SelectMany(f => f.Bytes).ToArray();
            var boundaries = Boundaries(frames);
            var peer = new SlowPeer();
            var tracked = new TrackedStream(peer, peerIsServer: masked);
            var chunks = Chunks(random, input.Length);
            var closers = random.Next(1, 5);
            var delays = Enumerable.Range(0, closers).Select(_ => random.Next(0, chunks.Count)).ToArray();

            var writer = Task.Run(async () =>
            {
                var offset = 0;
                foreach (var chunk in chunks)
                {
                    await tracked.WriteAsync(input.AsMemory(offset, chunk));
                    offset += chunk;
                }
            });
            var requests = delays.Select(d => Task.Run(async () =>
            {
                await peer.WaitForWritesAsync(d, writer);
                return await tracked.CloseAsync(CloseFrame.GoingAway, "fuzz", TimeSpan.FromSeconds(30), TimeProvider.System);
            })).ToArray();
            await writer.WaitAsync(TimeSpan.FromSeconds(30));
            var outcomes = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(30));

            var written = peer.Written;
            var closeFrame = masked ? 6 + 2 + 4 : 2 + 2 + 4;
            var cut = written.Length - closeFrame;
            Assert.True(boundaries.Contains(cut), $"seed {seed}: Close at byte {cut}, not at a frame boundary");
            Assert.True(written.AsSpan(0, cut).SequenceEqual(input.AsSpan(0, cut)), $"seed {seed}: bytes before the Close changed");
            Assert.Equal(0x88, written[cut]);
            Assert.True(tracked.CloseSent);
            Assert.All(outcomes, o => Assert.True(o is CloseOutcome.Sent or CloseOutcome.AlreadyClosing, $"seed {seed}: {o}"));
        }
    }

    private static List<int> Chunks(Random random, int length)
    {
        var chunks = new List<int>();
        for (var offset = 0; offset < length;)
        {
            var chunk = Math.Min(length - offset, random.Next(1, 6000));
            chunks.Add(chunk);
            offset += chunk;
        }

        return chunks;
    }

    private static HashSet<int> Boundaries(List<FrameFactory.Frame> frames)
    {
        var boundaries = new HashSet<int> { 0 };
        var at = 0;
        foreach (var frame in frames)
        {
            at += frame.Bytes.Length;
            boundaries.Add(at);
        }

        return boundaries;
    }

    /// <summary>A peer whose writes complete asynchronously (so the writer holds the lock across awaits), counting them.</summary>
    private sealed class SlowPeer : FakeStream
    {
        private readonly MemoryStream _written = new();
        private int _writes;

        public byte[] Written
        {
            get
            {
                lock (_written)
                {
                    return _written.ToArray();
                }
            }
        }

        /// <summary>Until the peer got <paramref name="count"/> writes, or the writer is done (writes after a Close never arrive).</summary>
        public async Task WaitForWritesAsync(int count, Task writer)
        {
            while (Volatile.Read(ref _writes) < count && !writer.IsCompleted)
            {
                await Task.Yield();
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            lock (_written)
            {
                _written.Write(buffer.Span);
            }

            Interlocked.Increment(ref _writes);
        }
    }
}
