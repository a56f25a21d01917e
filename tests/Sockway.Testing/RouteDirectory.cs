namespace Sockway.Testing;

/// <summary>A temporary standalone-mode manifest directory.</summary>
public sealed class RouteDirectory : IDisposable
{
    public RouteDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sockway-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes a file atomically (temp + rename), as editors and config tools do.</summary>
    public void Write(string fileName, string yaml)
    {
        var target = System.IO.Path.Combine(Path, fileName);
        var temp = System.IO.Path.Combine(Path, "." + fileName + ".tmp");
        File.WriteAllText(temp, yaml);
        File.Move(temp, target, overwrite: true);
    }

    public void Delete(string fileName) => File.Delete(System.IO.Path.Combine(Path, fileName));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
