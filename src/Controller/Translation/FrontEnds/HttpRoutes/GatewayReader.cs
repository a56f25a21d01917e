using Sockway.Controller.Api.GatewayV1;
using Sockway.Controller.Translation.Routes;
using static Sockway.Controller.Translation.FrontEnds.HttpRoutes.GatewayApiConditions;

namespace Sockway.Controller.Translation.FrontEnds.HttpRoutes;

/// <summary>
/// Judges a served Gateway's listeners. Sockway binds its own HTTP and HTTPS ports, so a listener's port is not
/// opened: HTTP listeners are served on Sockway's HTTP port, HTTPS listeners on its HTTPS port, and the port number
/// only groups listeners for the spec's conflict rules (one protocol per port; one hostname per port and protocol).
/// </summary>
internal static class GatewayReader
{
    public static ServedGateway Read(GatewayResource gateway, RouteKey key, SnapshotIndex index, ReferenceGrants grants, DateTimeOffset? now)
    {
        var listeners = new List<ServedListener>();
        var specs = gateway.Spec?.Listeners ?? [];
        for (var i = 0; i < specs.Count; i++)
        {
            listeners.Add(ReadListener(specs[i], i, key, index, grants, now));
        }

        MarkConflicts(listeners);
        RouteCondition? refusal = gateway.Spec?.Addresses is { Count: > 0 }
            ? False(Accepted, Reasons.UnsupportedAddress, "spec.addresses: Sockway is reached through its own Service's addresses; remove spec.addresses")
            : specs.Count == 0
                ? False(Accepted, Reasons.ListenersNotValid, "spec.listeners: at least one listener is required")
                : null;
        return new ServedGateway { Key = key, Object = gateway, Listeners = listeners, Refusal = refusal };
    }

    private static ServedListener ReadListener(Listener? listener, int i, RouteKey gateway, SnapshotIndex index, ReferenceGrants grants, DateTimeOffset? now)
    {
        var field = $"spec.listeners[{i}]";
        var name = listener?.Name is { Length: > 0 } n ? n : $"(listener {i})";
        var protocol = listener?.Protocol ?? string.Empty;
        var (kindsOk, kindsProblem) = ReadKinds(listener?.AllowedRoutes?.Kinds, field);
        var from = listener?.AllowedRoutes?.Namespaces?.From ?? "Same";
        var accepted = True(Accepted, Reasons.Accepted, "listener accepted");
        if (protocol is not ("HTTP" or "HTTPS"))
        {
            accepted = False(Accepted, Reasons.UnsupportedProtocol, $"{field}.protocol: '{protocol}' is not served; Sockway serves HTTP and HTTPS listeners");
        }
        else if (listener!.Port is not (>= 1 and <= 65535))
        {
            accepted = False(Accepted, Reasons.PortUnavailable, $"{field}.port: '{listener.Port}' is not a port (1-65535)");
        }
        else if (listener.Hostname is { } host && !RouteValidator.HostName().IsMatch(host))
        {
            accepted = False(Accepted, Reasons.Invalid, $"{field}.hostname: '{host}' is not a lower-case DNS name or *.wildcard");
        }
        else if (from is not ("Same" or "All" or "Selector"))
        {
            accepted = False(Accepted, Reasons.Invalid, $"{field}.allowedRoutes.namespaces.from: '{from}' is not Same, All or Selector");
        }

        var (resolved, certificate) = protocol == "HTTPS" && accepted.Status
            ? ReadCertificate(listener!.Tls, field, gateway, index, grants, now)
            : (True(ResolvedRefs, Reasons.ResolvedRefs, "references resolved"), null);
        if (protocol == "HTTPS" && listener?.Tls?.Mode is { } mode && mode != "Terminate")
        {
            accepted = False(Accepted, Reasons.UnsupportedProtocol, $"{field}.tls.mode: '{mode}' is not served; HTTPS listeners terminate TLS");
        }

        if (!kindsOk && resolved.Status)
        {
            resolved = False(ResolvedRefs, Reasons.InvalidRouteKinds, kindsProblem!);
        }

        return new ServedListener
        {
            Name = name,
            Protocol = protocol,
            Port = listener?.Port ?? 0,
            Hostname = listener?.Hostname,
            Certificate = certificate,
            From = from,
            AllowsHttpRoute = kindsOk || kindsProblem is null || listener?.AllowedRoutes?.Kinds?.Any(IsHttpRoute) == true,
            Accepted = accepted,
            ResolvedRefs = resolved,
        };
    }

    private static (bool Ok, string? Problem) ReadKinds(IList<RouteGroupKind>? kinds, string field)
    {
        if (kinds is null || kinds.Count == 0)
        {
            return (true, null);
        }

        var bad = kinds.Where(k => !IsHttpRoute(k)).Select(k => $"{k?.Group ?? GatewayApi.Group}/{k?.Kind}").ToList();
        return bad.Count == 0 ? (true, null) : (false, $"{field}.allowedRoutes.kinds: {string.Join(", ", bad)} not served; Sockway serves HTTPRoute");
    }

    private static bool IsHttpRoute(RouteGroupKind? kind) => kind is not null && (kind.Group ?? GatewayApi.Group) == GatewayApi.Group && kind.Kind == HttpRoute.KindName;

    private static (RouteCondition, SecretRef?) ReadCertificate(ListenerTls? tls, string field, RouteKey gateway, SnapshotIndex index, ReferenceGrants grants, DateTimeOffset? now)
    {
        if (tls?.CertificateRefs is not { Count: > 0 } refs || refs[0] is not { } reference)
        {
            return (False(ResolvedRefs, Reasons.InvalidCertificateRef, $"{field}.tls.certificateRefs: an HTTPS listener needs a certificate Secret"), null);
        }

        if ((reference.Group ?? string.Empty) != string.Empty || (reference.Kind ?? "Secret") != "Secret" || string.IsNullOrEmpty(reference.Name))
        {
            return (False(ResolvedRefs, Reasons.InvalidCertificateRef, $"{field}.tls.certificateRefs[0]: {reference.Group}/{reference.Kind} '{reference.Name}' is not a core Secret"), null);
        }

        var ns = reference.Namespace ?? gateway.Namespace;
        var secretRef = new SecretRef(ns, reference.Name);
        if (!grants.Permits(GatewayApi.Group, GatewayResource.KindName, gateway.Namespace, string.Empty, "Secret", ns, reference.Name))
        {
            return (False(ResolvedRefs, Reasons.RefNotPermitted, $"{field}.tls.certificateRefs[0]: Secret {secretRef} is in another namespace and no ReferenceGrant there allows it"), null);
        }

        if (!index.Secrets.TryGetValue((ns, reference.Name), out var secret))
        {
            return (False(ResolvedRefs, Reasons.InvalidCertificateRef, $"{field}.tls.certificateRefs[0]: Secret {secretRef} not found (only Secrets of type {TlsSecretReader.TlsType} are read)"), null);
        }

        var contents = TlsSecretReader.Read(secret, now);
        if (contents.Failure is { } failure)
        {
            return (False(ResolvedRefs, Reasons.InvalidCertificateRef, $"{field}.tls.certificateRefs[0]: {failure.Message}"), null);
        }

        var extra = refs.Count > 1 ? $"; only the first of {refs.Count} certificateRefs is served" : string.Empty;
        return (True(ResolvedRefs, Reasons.ResolvedRefs, "certificate resolved" + extra), secretRef);
    }

    // The spec's rules: listeners on one port must share a protocol; on one port and protocol, hostnames must differ.
    private static void MarkConflicts(List<ServedListener> listeners)
    {
        foreach (var port in listeners.Where(l => l.Accepted.Status).GroupBy(l => l.Port))
        {
            if (port.Select(l => l.Protocol).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                foreach (var listener in port)
                {
                    listener.Conflicted = True(Conflicted, Reasons.ProtocolConflict, $"port {port.Key} is used with more than one protocol");
                }

                continue;
            }

            foreach (var same in port.GroupBy(l => l.Hostname ?? string.Empty, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                foreach (var listener in same)
                {
                    listener.Conflicted = True(Conflicted, Reasons.HostnameConflict, $"port {port.Key} has more than one listener for hostname '{(same.Key.Length == 0 ? "*" : same.Key)}'");
                }
            }
        }
    }
}
