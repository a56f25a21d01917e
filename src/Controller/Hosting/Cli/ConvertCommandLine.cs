using System.CommandLine;
using System.CommandLine.Help;
using Sockway.Controller.Conversion;

namespace Sockway.Controller.Hosting.Cli;

/// <summary>`sockway convert FILE|- [--to websocketroute|gateway-api] [--gateway NAMESPACE/NAME]`, parsed with System.CommandLine.</summary>
internal static class ConvertCommandLine
{
    public const string Name = "convert";

    public static CommandLineRequest Parse(IReadOnlyList<string> args)
    {
        var input = new Argument<string>("FILE") { Description = "An Ingress manifest file (multi-document YAML), or - for standard input.", Arity = ArgumentArity.ExactlyOne };
        var to = new Option<string>("--to") { Description = "websocketroute (default) or gateway-api (HTTPRoutes plus WebSocketPolicies).", HelpName = "websocketroute|gateway-api" };
        var gateway = new Option<string>("--gateway") { Description = "With --to gateway-api: the Gateway the HTTPRoutes attach to.", HelpName = "namespace/name" };
        var command = new RootCommand("Convert Ingress manifests (with ingress-nginx annotations) to Sockway routes.") { input, to, gateway };
        var result = command.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.GetResult(command.Options.OfType<HelpOption>().Single()) is not null)
        {
            return new CommandLineRequest.ShowConvertHelp();
        }

        var errors = result.Errors.Select(e => $"convert: {e.Message}").ToList();
        var target = ConversionTarget.WebSocketRoute;
        switch (result.GetValue(to))
        {
            case null or "websocketroute":
                break;
            case "gateway-api":
                target = ConversionTarget.GatewayApi;
                break;
            case var other:
                errors.Add($"convert: --to: '{other}' is not websocketroute or gateway-api");
                break;
        }

        (string, string)? parent = null;
        if (result.GetValue(gateway) is { } text)
        {
            var parts = text.Split('/');
            if (parts.Length != 2 || !Translation.RouteValidator.IsDnsLabel(parts[0]) || !Translation.RouteValidator.IsDnsSubdomain(parts[1]))
            {
                errors.Add($"convert: --gateway: '{text}' is not namespace/name");
            }
            else
            {
                parent = (parts[0], parts[1]);
            }

            if (target != ConversionTarget.GatewayApi)
            {
                errors.Add("convert: --gateway: only with --to gateway-api");
            }
        }
        else if (target == ConversionTarget.GatewayApi)
        {
            errors.Add("convert: --to gateway-api needs --gateway namespace/name (the Gateway the HTTPRoutes attach to)");
        }

        return errors.Count > 0
            ? new CommandLineRequest.Invalid(errors.Distinct().ToList())
            : new CommandLineRequest.Convert(result.GetValue(input)!, new ConversionOptions(target, parent));
    }

    public static string Help() => string.Join('\n',
        "Usage: sockway convert FILE|- [--to websocketroute|gateway-api] [--gateway namespace/name]",
        string.Empty,
        "Reads Ingress manifests (multi-document YAML, ingress-nginx annotations included) from FILE, or standard",
        "input with -, and writes the equivalent Sockway objects to standard output: WebSocketRoutes (the default), or",
        "with --to gateway-api HTTPRoutes attached to --gateway plus WebSocketPolicies for the WebSocket settings.",
        "Standard error reports every annotation mapped, approximated (what differs) or dropped.",
        "On any invalid input nothing is written to standard output, and the exit code is 3.",
        "Reference: docs/migrating-from-ingress-nginx.md",
        string.Empty);
}
