using Microsoft.AspNetCore.Http;
using Sockway.Gateway.Configuration;
using Yarp.ReverseProxy.Model;

namespace Sockway.Gateway.Balancing;

/// <summary>
/// Hands the retry and balancing steps the route's endpoints from Sockway's route table in place of YARP's
/// destinations (its clusters have none, so that an endpoint change never reloads YARP).
/// </summary>
internal sealed class EndpointSetMiddleware(RequestDelegate next, RouteTable routes)
{
    public Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        proxy.AvailableDestinations = routes.EndpointsOf(proxy.Route.Config.RouteId).Available;
        return next(context);
    }
}
