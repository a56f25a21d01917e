namespace Sockway.Controller.Sources.Files;

/// <summary>A manifest file found in the routes directory: where it is, and what identifies its current content.</summary>
internal sealed record ManifestFile(string Path, string Relative, (string Target, DateTime Written, long Length) Stamp);

/// <summary>
/// Lists the manifests of a routes directory the way a user means them. Entries whose name starts with '.' are
/// skipped: hidden and editor files (.swp, .#lock) and a ConfigMap volume's own machinery (`..data`, `..2025_…`),
/// whose files are reached once through the top-level links. Editor backups (`name~`) are skipped too. A link is
/// stamped by its final target, so a ConfigMap update (an atomic swap of `..data`) counts as a change.
/// </summary>
internal static class ManifestFiles
{
    public static List<ManifestFile> List(string root)
    {
        var found = new List<ManifestFile>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        Walk(new DirectoryInfo(root), root, found, visited);
        found.Sort((a, b) => StringComparer.Ordinal.Compare(a.Relative, b.Relative));
        return found;
    }

    public static bool IsManifestName(string name) =>
        !name.StartsWith('.') && !name.EndsWith('~')
        && (name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase));

    private static void Walk(DirectoryInfo directory, string root, List<ManifestFile> found, HashSet<string> visited)
    {
        // A directory reached twice (a link loop, or two links to one place) is read once.
        var real = directory.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? directory.FullName;
        if (!visited.Add(real))
        {
            return;
        }

        foreach (var entry in directory.EnumerateFileSystemInfos())
        {
            if (entry.Name.StartsWith('.'))
            {
                continue;
            }

            if (entry is DirectoryInfo child)
            {
                Walk(child, root, found, visited);
                continue;
            }

            if (!IsManifestName(entry.Name))
            {
                continue;
            }

            var target = entry.LinkTarget is null ? entry : entry.ResolveLinkTarget(returnFinalTarget: true) ?? entry;
            if (target is not FileInfo { Exists: true } file)
            {
                continue; // A dangling link (mid-swap): the next scan sees the new target.
            }

            found.Add(new ManifestFile(entry.FullName, Path.GetRelativePath(root, entry.FullName), (file.FullName, file.LastWriteTimeUtc, file.Length)));
        }
    }
}
