namespace Quorum;

/// <summary>The process exit codes of <c>quorum</c>.</summary>
internal static class ExitCodes
{
    /// <summary>A clean stop.</summary>
    public const int Success = 0;

    /// <summary>Bad configuration, or an unusable data directory.</summary>
    public const int BadConfiguration = 1;

    /// <summary>A usage error: the command line itself is wrong.</summary>
    public const int Usage = 2;
}
