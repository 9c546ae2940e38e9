namespace Quorum.Chaos.Tests;

/// <summary>A test that needs root (network namespaces, iptables, per-node uids); skipped, saying why, for anyone else.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
            Skip = "The fault-injection suite needs root: it creates a network namespace and iptables rules, and runs each node under its own uid. Run 'dotnet test' as root (CI does).";
    }
}
