using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Sockway.Controller.Hosting;

/// <summary>
/// The appsettings.json shipped next to the executable (quiet framework logs, one-line console entries). It is the
/// lowest layer, whatever the working directory: an appsettings.json there, environment variables and the command
/// line all override it.
/// </summary>
internal static class ShippedDefaults
{
    private const string FileName = "appsettings.json";

    /// <summary>--log-format's "text" is the console logger's "simple" formatter.</summary>
    private const string TextFormat = "text";

    public static void Add(ConfigurationManager configuration)
    {
        var shipped = new ConfigurationBuilder()
            .AddJsonFile(new PhysicalFileProvider(AppContext.BaseDirectory), FileName, optional: true, reloadOnChange: false)
            .Sources[0];
        // In front of the builder's own sources (cwd appsettings.json, environment, command line), so they win.
        ((IConfigurationBuilder)configuration).Sources.Insert(0, shipped);
    }

    public static void AddLogging(ILoggingBuilder logging, IConfiguration configuration)
    {
        // CreateSlimBuilder's AddSimpleConsole pins the simple formatter over Logging:Console:FormatterName; the
        // standard key (and --log-format, which sets it) decides again here.
        logging.Services.PostConfigure<ConsoleLoggerOptions>(o =>
        {
            var name = configuration["Logging:Console:FormatterName"];
            if (!string.IsNullOrWhiteSpace(name))
            {
                o.FormatterName = string.Equals(name, TextFormat, StringComparison.OrdinalIgnoreCase) ? ConsoleFormatterNames.Simple : name.Trim().ToLowerInvariant();
            }
        });
        // The shipped timestamp format ends in a space to separate it from the level in text; JSON needs no separator.
        logging.Services.PostConfigure<JsonConsoleFormatterOptions>(o => o.TimestampFormat = o.TimestampFormat?.TrimEnd());
    }
}
