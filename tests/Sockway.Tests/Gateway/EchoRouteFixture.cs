using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>Two real echo backends behind one route (/ws → Service echo), served by a real Sockway.</summary>
public sealed class EchoRouteFixture : IAsyncLifetime
{
    private Scenario _scenario = null!;

    public TestBackend A => _scenario.Backends[0];

    public TestBackend B => _scenario.Backends[1];

    public SockwayHost Sockway => _scenario.Sockway;

    public async Task InitializeAsync() => _scenario = await Scenario.StartAsync(2, s => new Dictionary<string, string>
    {
        ["echo.yaml"] = Manifests.Join(Manifests.Route("echo", "/ws", "echo"), Manifests.Service("echo")) + Manifests.Slices("echo", s.Backends.Select(b => b.Port)),
    }, "default/echo");

    public Task DisposeAsync() => _scenario.DisposeAsync().AsTask();
}
