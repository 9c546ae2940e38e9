namespace Quorum.Chaos.Nemesis;

/// <summary>One fault the nemesis injected, and what proves that it took effect.</summary>
/// <param name="Kind">The fault's kind (<c>kill</c>, <c>pause-leader</c>, ...).</param>
/// <param name="Target">The node or nodes it hit.</param>
/// <param name="TookEffect">Whether every piece of evidence the kind calls for was seen.</param>
/// <param name="Evidence">What was seen, or what was missing, one line each.</param>
internal sealed record FaultRecord(string Kind, string Target, bool TookEffect, IReadOnlyList<string> Evidence)
{
    /// <summary>Gets a value indicating that the nemesis could not inject the fault at all: a harness failure the run must not pass over.</summary>
    public bool InjectionFailed { get; init; }

    /// <summary>Formats the record for the run's log.</summary>
    /// <returns>One line.</returns>
    public override string ToString() => $"{Kind} on {Target}: {(TookEffect ? "took effect" : "NO EFFECT SEEN")} ({string.Join("; ", Evidence)})";
}

/// <summary>Collects the evidence for one fault as it is injected.</summary>
/// <param name="kind">The fault's kind.</param>
/// <param name="target">The node or nodes it hits.</param>
internal sealed class FaultEvidence(string kind, string target)
{
    private readonly List<string> lines = [];
    private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
    private bool missing;

    /// <summary>Records something seen that the fault calls for, with the time since the fault began.</summary>
    public void Saw(string what)
    {
        lines.Add($"+{clock.Elapsed.TotalSeconds:0.00}s {what}");
        RunLog.Write($"nemesis: {kind} on {target}: {what}");
    }

    /// <summary>Records something the fault calls for that was not seen.</summary>
    public void Missed(string what)
    {
        missing = true;
        lines.Add($"+{clock.Elapsed.TotalSeconds:0.00}s missing: {what}");
        RunLog.Write($"nemesis: {kind} on {target}: MISSING {what}");
    }

    /// <summary>Records <paramref name="what"/> as seen or missing.</summary>
    public void Check(bool seen, string what, string? missingWhat = null)
    {
        if (seen)
            Saw(what);
        else
            Missed(missingWhat ?? what);
    }

    /// <summary>Gets the record, once the fault is over.</summary>
    public FaultRecord ToRecord() => new(kind, target, !missing && lines.Count > 0, lines);
}
