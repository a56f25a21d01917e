namespace Sockway.Controller.Translation.Ingresses;

/// <summary>What Sockway made of one annotation: the words `sockway convert` and /api/routes show for it.</summary>
public enum AnnotationDisposition
{
    /// <summary>Honoured with the same meaning.</summary>
    Mapped,

    /// <summary>Honoured by the nearest Sockway behaviour; the detail says what differs.</summary>
    Approximated,

    /// <summary>Not implemented: it has no effect (a Warning Event says so).</summary>
    Dropped,
}

public sealed record AnnotationNote(string Annotation, AnnotationDisposition Disposition, string Detail)
{
    public override string ToString() => $"{Annotation}: {Disposition.ToString().ToLowerInvariant()}: {Detail}";
}
