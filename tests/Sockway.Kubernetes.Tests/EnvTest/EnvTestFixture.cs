using Xunit;

namespace Sockway.Kubernetes.Tests.EnvTest;

/// <summary>
/// One API server (with the CRDs installed) and one network namespace for the whole lane, to keep its time small;
/// each test works in a namespace of its own. Startup failures are kept and rethrown by each test: a lane that
/// has its assets must fail, not skip, when the server does not come up.
/// </summary>
public sealed class EnvTestFixture : IAsyncLifetime
{
    public EnvTestApiServer? Server { get; private set; }

    public TestNetwork? Network { get; private set; }

    /// <summary>Why the whole lane is skipped (no assets), or null.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>Why backend traffic cannot be checked here (no network namespace), or null.</summary>
    public string? NoTraffic { get; private set; }

    public Exception? StartFailure { get; private set; }

    public async Task InitializeAsync()
    {
        Unavailable = EnvTestApiServer.WhyUnavailable();
        if (Unavailable is not null)
        {
            return;
        }

        try
        {
            Server = await EnvTestApiServer.StartAsync();
            await Server.InstallCrdsAsync();
        }
        catch (Exception ex)
        {
            StartFailure = ex;
            return;
        }

        (Network, NoTraffic) = await TestNetwork.TryCreateAsync();
    }

    public async Task DisposeAsync()
    {
        if (Network is not null)
        {
            await Network.DisposeAsync();
        }

        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class EnvTestCollection : ICollectionFixture<EnvTestFixture>
{
    public const string Name = "real API server";
}
