namespace Quorum.Store.Replication;

/// <summary>
/// Decides whether a membership change would leave the cluster without a majority it can reach
/// now: the check etcd makes with <c>--strict-reconfig-check</c>, counting only the members the
/// leader has heard from lately. A configuration change commits in the new configuration, so a
/// change that leaves too few reachable voters there blocks every later write, this one included,
/// until the missing members return (etcd #3505, #10329).
/// </summary>
internal static class ReachableMajority
{
    /// <summary>
    /// Checks adding a voter. The new member does not count as reachable: it has yet to catch up,
    /// and may never. Growing a one-member cluster is the exception, as in etcd: it is how every
    /// cluster starts, and a second member is the only way on.
    /// </summary>
    /// <param name="voters">The current voters' Raft addresses, the leader's included.</param>
    /// <param name="reachable">The voters the leader can reach now, itself included.</param>
    /// <param name="describe">Names a voter by its address.</param>
    /// <returns>Why the change is unsafe, or <see langword="null"/> when it is safe.</returns>
    public static string? CheckAdd(IReadOnlyCollection<string> voters, IReadOnlySet<string> reachable, Func<string, string> describe)
        => voters.Count == 1 ? null : Check(voters, voters.Count + 1, reachable, describe, "Adding this member");

    /// <summary>Checks removing a voter.</summary>
    /// <param name="voters">The current voters' Raft addresses, the leader's included.</param>
    /// <param name="reachable">The voters the leader can reach now, itself included.</param>
    /// <param name="removed">The address of the voter to remove.</param>
    /// <param name="describe">Names a voter by its address.</param>
    /// <returns>Why the change is unsafe, or <see langword="null"/> when it is safe.</returns>
    public static string? CheckRemove(IReadOnlyCollection<string> voters, IReadOnlySet<string> reachable, string removed, Func<string, string> describe)
    {
        var remaining = voters.Where(v => v != removed).ToArray();
        return remaining.Length == 0
            ? "Removing the only member would leave no cluster."
            : Check(remaining, remaining.Length, reachable, describe, "Removing this member");
    }

    private static string? Check(IReadOnlyCollection<string> counted, int newSize, IReadOnlySet<string> reachable, Func<string, string> describe, string change)
    {
        var live = counted.Where(reachable.Contains).ToArray();
        var majority = (newSize / 2) + 1;
        if (live.Length >= majority)
            return null;

        var unreachable = counted.Where(v => !reachable.Contains(v)).Select(describe).Order(StringComparer.Ordinal);
        return $"{change} would leave {live.Length} reachable voter(s) of {newSize}, and a majority is {majority}: "
            + $"the leader cannot reach {string.Join(", ", unreachable)} now. Bring the missing members back first, "
            + "or repeat the request with ?force=true if they are gone for good.";
    }
}
