namespace Quorum;

/// <summary>The process exit codes of <c>quorum</c>.</summary>
internal static class ExitCodes
{
    /// <summary>A clean stop, or a client command that did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>Bad configuration, or an unusable data directory.</summary>
    public const int BadConfiguration = 1;

    /// <summary>
    /// A client command failed: the server refused the request (bad input, a value too large, a
    /// watch older than the history), or the input was malformed. The same code as
    /// <see cref="BadConfiguration"/> on purpose: the documented scheme gives 1 to every failure
    /// that is not a usage error or one of the client's specific outcomes below.
    /// </summary>
    public const int Failed = BadConfiguration;

    /// <summary>A usage error: the command line itself is wrong.</summary>
    public const int Usage = 2;

    /// <summary><c>get</c>: the key is absent.</summary>
    public const int NotFound = 3;

    /// <summary><c>put</c> or <c>del</c>: the key did not meet the condition (<c>--if-revision</c>, <c>--create</c>); nothing changed.</summary>
    public const int PreconditionFailed = 4;

    /// <summary><c>txn</c>: a compare did not hold, so the failure branch ran.</summary>
    public const int CompareFailed = 5;

    /// <summary>A write was not confirmed in time (504), or the connection broke mid-request: it may or may not have been applied.</summary>
    public const int OutcomeUnknown = 6;

    /// <summary>No member could be reached, or none had a leader (503): nothing was changed, and the command may simply be run again.</summary>
    public const int Unavailable = 7;

    /// <summary>A client command other than <c>watch</c> was interrupted (Ctrl-C or SIGTERM); a write's outcome is unknown.</summary>
    public const int Interrupted = 130;
}
