using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Sockway.Controller.Sources.Files;
using Sockway.Controller.Status;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Drain;

namespace Sockway.Controller.Hosting;

/// <summary>
/// Liveness, readiness and route status on the management port. A plain terminal branch, not endpoint
/// routing: the proxy's catch-all routes must never be candidates here.
/// </summary>
internal static class ManagementEndpoints
{
    public static void Map(IApplicationBuilder app)
    {
        // Probes and scrapes are not proxied traffic: keep them out of http.server.* so those describe the proxy alone.
        app.Use((context, next) =>
        {
            if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
            {
                metrics.MetricsDisabled = true;
            }

            return next(context);
        });
        // GET /metrics: the Prometheus scrape endpoint (OpenTelemetry's exporter), on this port only.
        app.UseOpenTelemetryPrometheusScrapingEndpoint();
        app.Run(HandleAsync);
    }

    private static Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        return context.Request.Path.Value switch
        {
            "/healthz" => Results.Text("ok\n").ExecuteAsync(context),
            "/readyz" => Readiness(services).ExecuteAsync(context),
            "/api/routes" => RouteStatus(services).ExecuteAsync(context),
            _ => Results.NotFound().ExecuteAsync(context),
        };
    }

    private static IResult Readiness(IServiceProvider services)
    {
        if (services.GetRequiredService<GatewayDrainState>().IsDraining)
        {
            return Results.Text("draining for shutdown\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (!services.GetRequiredService<GatewayConfigStore>().HasConfig)
        {
            return Results.Text("waiting for the first complete config\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        // Still ready (the last good config serves), but say why the config may be behind the files.
        var source = services.GetService<DirectorySource>();
        return source?.DirectoryProblem is { } problem
            ? Results.Text($"ready\nwarning: the routes directory cannot be read ({problem}); serving the last good config\n")
            : source?.CurrentErrors.Count > 0
                ? Results.Text($"ready\nwarning: {source.CurrentErrors.Count} manifest error(s); see /api/routes\n")
                : Results.Text("ready\n");
    }

    private static IResult RouteStatus(IServiceProvider services) => Results.Json(new
    {
        routes = services.GetRequiredService<RouteStatusTable>().All.OrderBy(o => o.Key.ToString(), StringComparer.Ordinal).Select(o => new
        {
            @namespace = o.Key.Namespace,
            name = o.Key.Name,
            endpoints = o.Endpoints,
            conditions = Conditions(o.Conditions),
        }),
        ingresses = services.GetRequiredService<RouteStatusTable>().Ingresses.Select(o => new
        {
            @namespace = o.Key.Namespace,
            name = o.Key.Name,
            conditions = Conditions(o.Conditions),
            paths = o.Paths.Select(p => new
            {
                id = p.Id,
                host = p.Host,
                path = p.Path,
                endpoints = p.Outcome.Endpoints,
                conditions = Conditions(p.Outcome.Conditions),
            }),
            annotations = o.Annotations.Select(a => new { annotation = a.Annotation, disposition = a.Disposition.ToString(), detail = a.Detail }),
        }),
        manifestErrors = services.GetService<DirectorySource>()?.CurrentErrors.Select(e => e.ToString()) ?? [],
        manifestWarnings = services.GetService<DirectorySource>()?.CurrentWarnings.Select(e => e.ToString()) ?? [],
        sourceProblem = services.GetService<DirectorySource>()?.DirectoryProblem,
    });

    private static IEnumerable<object> Conditions(IEnumerable<Translation.RouteCondition> conditions) =>
        conditions.Select(c => new { type = c.Type, status = c.Status ? "True" : "False", reason = c.Reason, message = c.Message });
}
