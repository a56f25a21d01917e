namespace Sockway.Controller.Conversion;

/// <summary>What `sockway convert --to` writes.</summary>
public enum ConversionTarget
{
    /// <summary>WebSocketRoutes, Sockway's native API (the default).</summary>
    WebSocketRoute,

    /// <summary>gateway.networking.k8s.io/v1 HTTPRoutes plus sockway.io WebSocketPolicies for the WebSocket settings.</summary>
    GatewayApi,
}

/// <param name="Gateway">The Gateway HTTPRoutes attach to (namespace, name); required for <see cref="ConversionTarget.GatewayApi"/>.</param>
public sealed record ConversionOptions(ConversionTarget Target = ConversionTarget.WebSocketRoute, (string Namespace, string Name)? Gateway = null);

/// <summary>The converted manifests (empty when anything failed: nothing is half-written) and what to tell the user.</summary>
public sealed record ConversionResult(string Output, IReadOnlyList<string> Report, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}
