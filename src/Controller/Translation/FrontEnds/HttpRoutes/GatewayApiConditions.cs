namespace Sockway.Controller.Translation.FrontEnds.HttpRoutes;

/// <summary>Condition types and reasons of the Gateway API spec (v1, standard channel) that Sockway reports.</summary>
public static class GatewayApiConditions
{
    public const string Accepted = "Accepted";
    public const string Programmed = "Programmed";
    public const string ResolvedRefs = "ResolvedRefs";
    public const string Conflicted = "Conflicted";
    public const string PartiallyInvalid = "PartiallyInvalid";

    public static class Reasons
    {
        public const string Accepted = "Accepted";
        public const string Programmed = "Programmed";
        public const string ResolvedRefs = "ResolvedRefs";
        public const string Invalid = "Invalid";
        public const string InvalidParameters = "InvalidParameters";
        public const string ListenersNotValid = "ListenersNotValid";
        public const string UnsupportedAddress = "UnsupportedAddress";
        public const string UnsupportedProtocol = "UnsupportedProtocol";
        public const string PortUnavailable = "PortUnavailable";
        public const string InvalidCertificateRef = "InvalidCertificateRef";
        public const string InvalidRouteKinds = "InvalidRouteKinds";
        public const string RefNotPermitted = "RefNotPermitted";
        public const string NoConflicts = "NoConflicts";
        public const string HostnameConflict = "HostnameConflict";
        public const string ProtocolConflict = "ProtocolConflict";
        public const string NoMatchingParent = "NoMatchingParent";
        public const string NotAllowedByListeners = "NotAllowedByListeners";
        public const string NoMatchingListenerHostname = "NoMatchingListenerHostname";
        public const string UnsupportedValue = "UnsupportedValue";
        public const string InvalidKind = "InvalidKind";
        public const string BackendNotFound = "BackendNotFound";

        // Sockway's own (the spec allows implementation-specific reasons): a host+path+headers match an older route holds.
        public const string Conflicted = "Conflicted";

        // Policy attachment (GEP-713).
        public const string TargetNotFound = "TargetNotFound";
    }

    internal static RouteCondition True(string type, string reason, string message) => new(type, true, reason, message);

    internal static RouteCondition False(string type, string reason, string message) => new(type, false, reason, message);
}
