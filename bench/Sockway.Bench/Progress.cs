namespace Sockway.Bench;

/// <summary>Prints a progress line to stderr periodically until disposed.</summary>
internal static class Progress
{
    public static IDisposable Every(TimeSpan interval, Func<string> line) =>
        new Timer(_ => Console.Error.WriteLine(line()), null, interval, interval);
}
