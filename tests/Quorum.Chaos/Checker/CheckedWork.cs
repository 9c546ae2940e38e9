using System.Globalization;
using Quorum.Chaos.History;

namespace Quorum.Chaos.Checker;

/// <summary>
/// The floor under the linearizability check: a history with few reads in it is trivially
/// linearizable, so each key must have been read, and compare-and-set, successfully through every
/// node, over the whole run and again after the final heal.
/// </summary>
public static class CheckedWork
{
    /// <summary>How many successful reads, and how many applied compare-and-sets, each key needs through each node.</summary>
    public const int MinimumPerKeyAndNode = 10;

    /// <summary>Lists every key and node that falls short of the minimum among the operations invoked at or after <paramref name="from"/>.</summary>
    /// <param name="history">The operations.</param>
    /// <param name="keys">The keys that must be covered.</param>
    /// <param name="nodes">The nodes each key must be covered through.</param>
    /// <param name="from">The earliest invocation time that counts, in the history's microseconds.</param>
    /// <param name="minimum">How many of each are needed.</param>
    /// <returns>One line per shortfall; empty when the work is enough.</returns>
    public static IReadOnlyList<string> Shortfalls(IEnumerable<Operation> history, IReadOnlyCollection<string> keys, IReadOnlyCollection<string> nodes, long from = 0, int minimum = MinimumPerKeyAndNode)
    {
        var counts = history
            .Where(op => op.Invoke >= from && op.Status == OperationStatus.Ok && op.Kind is OperationKind.Read or OperationKind.Cas)
            .GroupBy(static op => (op.Key, op.Node, op.Kind))
            .ToDictionary(static g => g.Key, static g => g.Count());

        var shortfalls = new List<string>();
        foreach (var key in keys)
        {
            foreach (var node in nodes)
            {
                var reads = counts.GetValueOrDefault((key, node, OperationKind.Read));
                var sets = counts.GetValueOrDefault((key, node, OperationKind.Cas));
                if (reads < minimum || sets < minimum)
                    shortfalls.Add(string.Create(CultureInfo.InvariantCulture, $"{key} via {node}: {reads} reads and {sets} compare-and-sets succeeded (at least {minimum} of each needed)"));
            }
        }

        return shortfalls;
    }
}
