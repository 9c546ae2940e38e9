namespace Quorum.Store.Tests;

/// <summary>
/// Tests that keep every core busy for seconds (reader threads spinning against a writer). They run
/// alone, after the others: on a 2-core machine, run beside a Raft test they starved its node so
/// long that a solo leader's first write took 4.7 s and once missed its 5 s deadline.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public static class CpuHeavyTests
{
    /// <summary>The collection's name.</summary>
    public const string Name = "CPU-heavy";
}
