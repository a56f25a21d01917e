namespace Sockway.Testing;

/// <summary>Polls for an outcome within a generous timeout: behaviour, not speed, is under test.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static async Task<T> ValueAsync<T>(Func<T?> probe, TimeSpan? timeout = null, string? because = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out: {because ?? "condition not met"}");
            }

            await Task.Delay(25);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null) =>
        ValueAsync(() => condition() ? string.Empty : null, timeout, because);

    /// <summary>Retries an async check until it stops throwing.</summary>
    public static async Task SucceedsAsync(Func<Task> check, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            try
            {
                await check();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
