using System.Threading.Tasks.Sources;

namespace Sockway.Gateway.Connections.Transport;

/// <summary>
/// One reusable wait for "the socket may be readable" (or writable): armed by the stream, fired by the loop thread,
/// by Dispose or by the caller's token, whichever comes first (an interlocked flag decides). Allocates nothing per
/// wait. With inline completions the waiting pump continues on the thread that fired it.
/// </summary>
internal sealed class ReadinessWaiter : IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<int> _core;
    private int _armed;
    private CancellationTokenRegistration _cancellation;

    public ReadinessWaiter(bool inlineCompletions) => _core.RunContinuationsAsynchronously = !inlineCompletions;

    /// <summary>Starts a wait; the caller then re-checks its condition and calls <see cref="Fire"/> when it already holds.</summary>
    public ValueTask<int> Arm(CancellationToken cancellationToken)
    {
        // A wait that completed at once is not always awaited (the pump only asks IsCompletedSuccessfully): its
        // registration goes here, or a cancellable tunnel would leave one on its token per message.
        _cancellation.Unregister();
        _cancellation = default;
        _core.Reset();
        Interlocked.Exchange(ref _armed, 1);
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((ReadinessWaiter)state!).Cancel(token), this);
        }

        return new ValueTask<int>(this, _core.Version);
    }

    /// <summary>Ends the wait, if one is armed (0 = "look again").</summary>
    public void Fire()
    {
        if (Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
        {
            _core.SetResult(0);
        }
    }

    private void Cancel(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _armed, 0, 1) == 1)
        {
            _core.SetException(new OperationCanceledException(token));
        }
    }

    public int GetResult(short token)
    {
        // Unregister (unlike Dispose) never waits for a callback running elsewhere: it found the wait already ended.
        _cancellation.Unregister();
        _cancellation = default;
        return _core.GetResult(token);
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
