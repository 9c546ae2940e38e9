using System.Text.Json.Serialization;

namespace Quorum.Chaos.History;

/// <summary>What a client asked for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OperationKind>))]
public enum OperationKind
{
    /// <summary>Read a key (linearizable).</summary>
    Read,

    /// <summary>Write a unique value to a key.</summary>
    Write,

    /// <summary>Compare-and-set that applied (or whose outcome is unknown): the key held <see cref="Operation.Expected"/>, and now holds <see cref="Operation.Value"/>.</summary>
    Cas,

    /// <summary>Compare-and-set refused with 412: the key did not hold <see cref="Operation.Expected"/>; nothing changed.</summary>
    CasFailed,
}

/// <summary>How an operation ended, as the client saw it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OperationStatus>))]
public enum OperationStatus
{
    /// <summary>It took effect, with the recorded result.</summary>
    Ok,

    /// <summary>It certainly did not take effect (a 503, or a read that failed).</summary>
    Fail,

    /// <summary>Its outcome is unknown (a 504, a timeout, a lost connection): it may take effect at any time after its invocation, or never.</summary>
    Info,
}

/// <summary>
/// One completed operation in a history: who did what to which key, when it was invoked and when
/// its answer came, and what the answer was. Times are microseconds since the run began, from one
/// monotonic clock.
/// </summary>
/// <param name="Process">The client that issued it; a client has one operation in flight at a time.</param>
/// <param name="Kind">Read or write.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value written, or the value read (<see langword="null"/> for an absent key).</param>
/// <param name="Status">How it ended.</param>
/// <param name="Invoke">When it was invoked.</param>
/// <param name="Complete">When its answer came.</param>
/// <param name="Node">The node it was sent to.</param>
/// <param name="Error">What went wrong, for operations that did not end <see cref="OperationStatus.Ok"/>.</param>
/// <param name="Expected">For a compare-and-set, the value the key had to hold (<see langword="null"/>: absent).</param>
/// <param name="Answer">What came back: the HTTP status, or <c>connect-failed</c>, <c>timeout</c> or <c>connection-lost</c>.</param>
public sealed record Operation(
    int Process,
    OperationKind Kind,
    string Key,
    string? Value,
    OperationStatus Status,
    long Invoke,
    long Complete,
    string Node,
    string? Error = null,
    string? Expected = null,
    string? Answer = null)
{
    /// <summary>Formats the operation for a report.</summary>
    /// <returns>One line.</returns>
    public override string ToString()
        => $"{Invoke / 1000.0,10:0.0}..{Complete / 1000.0,-10:0.0}ms p{Process,-3} {Kind,-5} {Key} {(Kind is OperationKind.Cas or OperationKind.CasFailed ? $"if {Expected ?? "(absent)"} " : string.Empty)}{(Kind == OperationKind.Read ? "-> " : "<- ")}{Value ?? "(absent)"} [{Status}{(Answer is null ? string.Empty : " " + Answer)}{(Error is null ? string.Empty : ": " + Error)}] via {Node}";
}
