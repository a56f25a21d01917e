using Sockway.Controller.Snapshots;
using Xunit;

namespace Sockway.Tests.Translation;

/// <summary>What every in.yaml → out.yaml fixture suite shares: one case per folder, the comparison, input reversal.</summary>
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

    /// <summary>The output must equal the expected file; with SOCKWAY_UPDATE_FIXTURES=1 the source copy is rewritten instead (review the diff).</summary>
    public static void AssertMatches(string expectedPath, string sourcePath, string actual)
    {
        if (Environment.GetEnvironmentVariable("SOCKWAY_UPDATE_FIXTURES") == "1")
        {
            File.WriteAllText(sourcePath, actual);
            return;
        }

        Assert.True(File.Exists(expectedPath), $"missing {expectedPath}; run with SOCKWAY_UPDATE_FIXTURES=1 and review it");
        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    /// <summary>The same objects with every list in reverse order: a translation must not depend on input order.</summary>
    public static ClusterSnapshot Reversed(ClusterSnapshot snapshot) =>
        new(snapshot.Routes.Reverse().ToList(), snapshot.Services.Reverse().ToList(), snapshot.EndpointSlices.Reverse().ToList(), snapshot.Secrets.Reverse().ToList())
        {
            Ingresses = snapshot.Ingresses.Reverse().ToList(),
            IngressClasses = snapshot.IngressClasses.Reverse().ToList(),
            GatewayClasses = snapshot.GatewayClasses.Reverse().ToList(),
            Gateways = snapshot.Gateways.Reverse().ToList(),
            HttpRoutes = snapshot.HttpRoutes.Reverse().ToList(),
            ReferenceGrants = snapshot.ReferenceGrants.Reverse().ToList(),
            WebSocketPolicies = snapshot.WebSocketPolicies.Reverse().ToList(),
        };
}
