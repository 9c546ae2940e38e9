using System.Collections.Concurrent;
using System.Net.Sockets;
using Quorum.Client;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>How a request that was not answered with success failed.</summary>
internal enum WriteFailureKind
{
    /// <summary>503: no leader or no quorum; nothing was applied.</summary>
    Refused,

    /// <summary>504 from the server: the write was not confirmed in time; it may or may not have been applied.</summary>
    OutcomeUnknown,

    /// <summary>No answer in time (the client's own timeout, reported as a 504); the outcome is unknown.</summary>
    TimedOut,

    /// <summary>The connection could not be made or broke before the answer; the outcome is unknown.</summary>
    ConnectionLost,

    /// <summary>Anything else: a 500, 400, 404, 413, a malformed answer, a bug. Never expected.</summary>
    Unexpected,
}

/// <summary>
/// Sorts the failed requests of a test that writes while nodes crash or pause: a 503 (nothing
/// applied) and a 504, a timeout or a lost connection (outcome unknown) are what such a test
/// expects; anything else is recorded as unexpected and fails the test in <see cref="AssertNoneUnexpected"/>.
/// </summary>
internal sealed class WriteFailures
{
    private readonly int[] counts = new int[Enum.GetValues<WriteFailureKind>().Length];
    private readonly ConcurrentQueue<string> unexpected = new();

    /// <summary>Gets the unexpected failures, each with what was being done.</summary>
    public IReadOnlyCollection<string> Unexpected => unexpected;

    /// <summary>Tells what kind of failure an exception is.</summary>
    public static WriteFailureKind Classify(Exception e) => e switch
    {
        QuorumClientException { IsRetryable: true } => WriteFailureKind.Refused,

        // The client turns its own per-request timeout into a 504 that names the timeout.
        QuorumClientException { IsOutcomeUnknown: true } q when q.Message.Contains("did not answer within", StringComparison.Ordinal) => WriteFailureKind.TimedOut,
        QuorumClientException { IsOutcomeUnknown: true } => WriteFailureKind.OutcomeUnknown,
        TaskCanceledException { InnerException: TimeoutException } => WriteFailureKind.TimedOut,
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded } => WriteFailureKind.ConnectionLost,
        HttpRequestException { InnerException: IOException or SocketException } => WriteFailureKind.ConnectionLost,
        _ => WriteFailureKind.Unexpected,
    };

    /// <summary>Records a failure and tells whether it is one of the expected kinds.</summary>
    /// <param name="e">The exception the request ended with.</param>
    /// <param name="what">What was being done, for the message of an unexpected failure.</param>
    /// <returns><see langword="true"/> when the failure is expected (503, 504, timeout, lost connection).</returns>
    public bool Record(Exception e, string what)
    {
        var kind = Classify(e);
        Interlocked.Increment(ref counts[(int)kind]);
        if (kind != WriteFailureKind.Unexpected)
            return true;

        var status = e is QuorumClientException q ? $"HTTP {(int)q.StatusCode} ({q.StatusCode})" : e.GetType().Name;
        unexpected.Enqueue($"{what}: {status}: {e.Message}");
        return false;
    }

    /// <summary>Gets how many failures of a kind were recorded.</summary>
    public int Count(WriteFailureKind kind) => Volatile.Read(ref counts[(int)kind]);

    /// <summary>Fails the test, listing them, if any failure was unexpected.</summary>
    public void AssertNoneUnexpected()
        => Assert.True(unexpected.IsEmpty, $"{unexpected.Count} unexpected failure(s) ({this}):\n{string.Join('\n', unexpected.Take(20))}");

    /// <summary>Counts of every kind, for the test output.</summary>
    public override string ToString()
        => $"failures: {Count(WriteFailureKind.Refused)} refused (503), {Count(WriteFailureKind.OutcomeUnknown)} of unknown outcome (504), "
            + $"{Count(WriteFailureKind.TimedOut)} timed out, {Count(WriteFailureKind.ConnectionLost)} lost connections, {Count(WriteFailureKind.Unexpected)} unexpected";
}
