using System.Net;
using System.Text.Json.Nodes;

namespace Sockway.Kubernetes.Tests.ApiDouble;

/// <summary>The outcome of a write: the stored object, or an HTTP status with a Kubernetes Status reason.</summary>
public sealed record StoreResult(HttpStatusCode Code, JsonObject? Object, string Reason = "", string Message = "")
{
    public static StoreResult Ok(JsonObject obj, HttpStatusCode code = HttpStatusCode.OK) => new(code, obj);

    public static StoreResult Fail(HttpStatusCode code, string reason, string message) => new(code, null, reason, message);
}
