using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Gateway;

/// <summary>Two real echo backends behind one route (/ws → Service echo), served by a real Sockway.</summary>
public sealed class EchoRouteFixture : IAsyncLifetime
{
    public RouteDirectory Routes { get; } = new();

    public TestBackend A { get; private set; } = null!;

    public TestBackend B { get; private set; } = null!;

    public SockwayHost Sockway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        A = await TestBackend.StartAsync("backend-a");
        B = await TestBackend.StartAsync("backend-b");
        Routes.Write("echo.yaml", Manifests.Join(
            Manifests.Route("echo", "/ws", "echo", hosts: null),
            Manifests.Service("echo")) + Manifests.Slices("echo", [A.Port, B.Port]));
        Sockway = await SockwayHost.StartAsync(Routes.Path);
        await Sockway.WaitForRouteAsync("default/echo", 2);
    }

    public async Task DisposeAsync()
    {
        await Sockway.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
        Routes.Dispose();
    }
}
