using System.ComponentModel.DataAnnotations;

namespace Sockway.Controller.Sources.Files;

/// <summary>Standalone mode: the manifests are read from a directory instead of the Kubernetes API.</summary>
public sealed class DirectorySourceOptions
{
    public const string Section = "Sockway:Standalone";

    /// <summary>Directory of *.yaml / *.yml manifests (WebSocketRoute, Service, EndpointSlice, Secret).</summary>
    [Required]
    public string Directory { get; set; } = string.Empty;

    /// <summary>How often the directory is rescanned in case a file-system event was missed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Quiet period after a change before files are read, so an editor's several writes count once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(100);
}
