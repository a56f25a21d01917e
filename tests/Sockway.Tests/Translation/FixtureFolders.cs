using Xunit;

namespace Sockway.Tests.Translation;

/// <summary>One theory case per fixture folder, in a stable order.</summary>
internal static class FixtureFolders
{
    public static TheoryData<string> Under(string root)
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }
}
