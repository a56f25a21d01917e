using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>
/// A wire-level Kubernetes API server double on loopback: the REST paths, list with resourceVersion, streaming
/// watch (with BOOKMARKs, 410 Gone for compacted versions, server-side timeouts), merge-patch and PUT of the
/// status subresource, and plain CRUD for Leases and Events. It records every call as RBAC would see it, and
/// can be stopped and restarted on the same port (the API server going away), drop its watches, or hold new
/// watches and lists (to change the world behind a controller's back).
/// </summary>
public sealed class KubeApiDouble : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedCall> _calls = new();
    private readonly ConcurrentDictionary<CancellationTokenSource, byte> _watches = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _heldLists = new(StringComparer.Ordinal);
    private volatile TaskCompletionSource? _heldWatches;
    private WebApplication? _app;

    private KubeApiDouble()
    {
    }

    public ObjectStore Store { get; } = new();

    public Uri Url { get; private set; } = null!;

    /// <summary>How often an open watch that asked for bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    public IReadOnlyList<RecordedCall> Calls => _calls.ToList();

    /// <summary>The Authorization header of the latest request (the double accepts any; tests check what was sent).</summary>
    public string? LastAuthorization { get; private set; }

    /// <summary>Watch streams open right now.</summary>
    public int OpenWatches => _watches.Count;

    public static async Task<KubeApiDouble> StartAsync()
    {
        var api = new KubeApiDouble();
        await api.StartAsync(0);
        return api;
    }

    /// <summary>The API server goes away: connections are cut and refused until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is null)
        {
            return;
        }

        DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public Task RestartAsync() => StartAsync(Url.Port);

    /// <summary>Ends every open watch cleanly, as an API server does on timeout or restart of a watch cache.</summary>
    public void DropWatches()
    {
        foreach (var watch in _watches.Keys)
        {
            try
            {
                watch.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That watch ended on its own meanwhile.
            }
        }
    }

    /// <summary>New watch requests wait (without being answered) until <see cref="ReleaseWatches"/>.</summary>
    public void HoldWatches() => _heldWatches = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseWatches() => Interlocked.Exchange(ref _heldWatches, null)?.TrySetResult();

    /// <summary>Lists of a resource wait until <see cref="ReleaseLists"/>.</summary>
    public void HoldLists(ResourceKey resource) => _heldLists[resource.Plural] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseLists(ResourceKey resource)
    {
        if (_heldLists.TryRemove(resource.Plural, out var held))
        {
            held.TrySetResult();
        }
    }

    /// <summary>API groups the double answers 404 for, as a server without those CRDs does (e.g. gateway.networking.k8s.io).</summary>
    public HashSet<string> AbsentGroups { get; } = [];

    public int CountCalls(string verb, string resource) => _calls.Count(c => c.Verb == verb && c.Resource == resource);

    private async Task StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        _app = app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!ApiPath.TryParse(context.Request.Path.Value ?? string.Empty, out var path) || ResourceKey.Find(path.Group, path.Plural) is not { } resource
            || AbsentGroups.Contains(path.Group))
        {
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
            return;
        }

        LastAuthorization = context.Request.Headers.Authorization.ToString();
        var query = context.Request.Query;
        var watch = query["watch"] == "true" || query["watch"] == "1";
        var verb = (context.Request.Method, path.Name, watch) switch
        {
            ("GET", null, true) => "watch",
            ("GET", null, false) => "list",
            ("GET", _, _) => "get",
            ("POST", _, _) => "create",
            ("PUT", _, _) => "update",
            ("PATCH", _, _) => "patch",
            ("DELETE", _, _) => "delete",
            _ => context.Request.Method.ToLowerInvariant(),
        };
        _calls.Enqueue(new RecordedCall(verb, path.Group, path.Subresource is null ? path.Plural : $"{path.Plural}/{path.Subresource}", path.Namespace, path.Name));

        switch (verb)
        {
            case "watch":
                await WatchAsync(context, resource, path, query);
                break;
            case "list":
                await ListAsync(context, resource, path, query);
                break;
            case "get":
                var found = Store.Get(resource, path.Namespace, path.Name!);
                await (found is null
                    ? WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"{resource.Plural} \"{path.Name}\" not found")
                    : WriteJsonAsync(context, HttpStatusCode.OK, found));
                break;
            case "create":
                var created = await ReadBodyAsync(context);
                created["metadata"] ??= new JsonObject();
                created["metadata"]!["namespace"] = path.Namespace;
                await WriteResultAsync(context, Store.Create(resource, created));
                break;
            case "update":
                var replacement = await ReadBodyAsync(context);
                replacement["metadata"]!["namespace"] = path.Namespace;
                await WriteResultAsync(context, path.Subresource == "status" && resource.HasStatusSubresource
                    ? Store.ReplaceStatus(resource, path.Namespace, path.Name!, replacement)
                    : Store.Update(resource, replacement));
                break;
            case "patch":
                if (context.Request.ContentType?.StartsWith("application/merge-patch+json", StringComparison.Ordinal) != true)
                {
                    await WriteStatusAsync(context, HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", "the double implements merge patch only");
                    return;
                }

                var patch = await ReadBodyAsync(context);
                await WriteResultAsync(context, Store.Patch(resource, path.Namespace, path.Name!, patch, path.Subresource == "status" && resource.HasStatusSubresource));
                break;
            case "delete":
                await (Store.Delete(resource, path.Namespace, path.Name!)
                    ? WriteStatusAsync(context, HttpStatusCode.OK, "Success", "deleted")
                    : WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"{resource.Plural} \"{path.Name}\" not found"));
                break;
            default:
                await WriteStatusAsync(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "not supported");
                break;
        }
    }

    private async Task ListAsync(HttpContext context, ResourceKey resource, ApiPath path, IQueryCollection query)
    {
        if (_heldLists.TryGetValue(resource.Plural, out var held))
        {
            await held.Task.WaitAsync(context.RequestAborted);
        }

        // The double answers every list in one page, which the API allows whatever `limit` asked for.
        var filter = Selectors.Parse(query["fieldSelector"], query["labelSelector"]);
        var (items, version) = Store.ListWithVersion(resource, path.Namespace, filter);
        var list = new JsonObject
        {
            ["apiVersion"] = resource.ApiVersion,
            ["kind"] = resource.Kind + "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
            ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
        };
        await WriteJsonAsync(context, HttpStatusCode.OK, list);
    }

    private async Task WatchAsync(HttpContext context, ResourceKey resource, ApiPath path, IQueryCollection query)
    {
        if (_heldWatches is { } held)
        {
            await held.Task.WaitAsync(context.RequestAborted);
        }

        var filter = Selectors.Parse(query["fieldSelector"], query["labelSelector"]);
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(query["timeoutSeconds"], out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        long? from = long.TryParse(query["resourceVersion"], out var v) ? v : null;

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted);
        var subscription = Store.Subscribe(resource, from);
        if (subscription is not { } sub)
        {
            var gone = new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"too old resource version: {from} ({Store.ResourceVersion})",
                ["reason"] = "Expired",
                ["code"] = 410,
            };
            await WriteLineAsync(context, "ERROR", gone, context.RequestAborted);
            return;
        }

        using var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        ends.CancelAfter(timeout);
        _watches[ends] = 0;
        try
        {
            bool Matches(WatchEvent e) => (path.Namespace is null || e.Namespace == path.Namespace) && filter(e.Object);
            foreach (var change in sub.Backlog.Where(Matches))
            {
                await WriteLineAsync(context, change.Type, change.Object, ends.Token);
            }

            var lastBookmark = DateTime.UtcNow;
            while (!ends.IsCancellationRequested)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ends.Token);
                tick.CancelAfter(BookmarkInterval);
                try
                {
                    var change = await sub.Live.Reader.ReadAsync(tick.Token);
                    if (change.Resource == resource && Matches(change))
                    {
                        await WriteLineAsync(context, change.Type, change.Object, ends.Token);
                    }
                }
                catch (OperationCanceledException) when (!ends.IsCancellationRequested)
                {
                }

                if (bookmarks && DateTime.UtcNow - lastBookmark >= BookmarkInterval)
                {
                    lastBookmark = DateTime.UtcNow;
                    var bookmark = new JsonObject
                    {
                        ["kind"] = resource.Kind,
                        ["apiVersion"] = resource.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = Store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
                    };
                    await WriteLineAsync(context, "BOOKMARK", bookmark, ends.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Timeout, DropWatches, or the client went away: the response simply ends.
        }
        finally
        {
            _watches.TryRemove(ends, out _);
            Store.Unsubscribe(sub.Live);
        }
    }

    private static async Task WriteLineAsync(HttpContext context, string type, JsonObject obj, CancellationToken cancellationToken)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context) =>
        (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!.AsObject();

    private static Task WriteResultAsync(HttpContext context, StoreResult result) => result.Object is { } obj
        ? WriteJsonAsync(context, result.Code, obj)
        : WriteStatusAsync(context, result.Code, result.Reason, result.Message);

    private static Task WriteStatusAsync(HttpContext context, HttpStatusCode code, string reason, string message) =>
        WriteJsonAsync(context, code, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = (int)code < 300 ? "Success" : "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = (int)code,
        });

    private static async Task WriteJsonAsync(HttpContext context, HttpStatusCode code, JsonNode body)
    {
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        ReleaseWatches();
        foreach (var held in _heldLists.Values)
        {
            held.TrySetResult();
        }

        await StopAsync();
    }
}
