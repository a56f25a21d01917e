using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Sockway.Controller.Hosting;

/// <summary>Tags each connection with the listener it arrived on, so management endpoints never answer on the proxy port.</summary>
internal static class ListenerKind
{
    private const string Key = "sockway.listener";
    private const string Management = "management";

    public static Microsoft.AspNetCore.Connections.ConnectionDelegate TagManagement(Microsoft.AspNetCore.Connections.ConnectionDelegate next) => connection =>
    {
        connection.Items[Key] = Management;
        return next(connection);
    };

    public static bool IsManagement(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var kind) == true && Equals(kind, Management);
}
