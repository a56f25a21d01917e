using Sockway.Controller.Hosting;
using Sockway.Controller.Hosting.Cli;
using Sockway.Testing;
using Xunit;

namespace Sockway.Tests.Hosting;

/// <summary>docs/operations.md keeps up with the command line: one table row per switch with its key, and the help text.</summary>
public sealed class OperationsDocTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "operations.md"));

    [Fact]
    public void Every_switch_has_a_row_with_its_configuration_key_and_environment_variable()
    {
        var rows = Doc.Split('\n').Where(l => l.StartsWith("| `--", StringComparison.Ordinal)).ToList();
        foreach (var (name, key) in SockwayApp.SwitchMappings)
        {
            var row = rows.SingleOrDefault(r => r.StartsWith($"| `{name}", StringComparison.Ordinal) && r[$"| `{name}".Length] is ' ' or '`');
            Assert.True(row is not null, $"docs/operations.md has no row for {name}");
            Assert.Contains($"`{key}`", row);
            Assert.Contains($"`{key.Replace(":", "__", StringComparison.Ordinal)}`", row);
        }
    }

    [Fact]
    public void The_help_shown_is_the_help_printed()
    {
        var printed = CommandLineHelp.Render().Split("\nEach switch sets")[0].TrimEnd().ReplaceLineEndings("\n");

        Assert.Contains(printed + "\n...", Doc.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Every_exit_code_is_documented()
    {
        foreach (var code in typeof(ExitCodes).GetFields().Select(f => (int)f.GetValue(null)!))
        {
            Assert.Contains($"\n| {code} | ", Doc);
        }
    }
}
