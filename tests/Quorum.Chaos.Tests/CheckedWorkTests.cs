using Quorum.Chaos.Checker;
using Quorum.Chaos.History;

namespace Quorum.Chaos.Tests;

public sealed class CheckedWorkTests
{
    private static IEnumerable<Operation> Work(string key, string node, int count, long invoke, OperationKind kind, OperationStatus status = OperationStatus.Ok)
        => Enumerable.Range(0, count).Select(i => new Operation(i, kind, key, "v", status, invoke + i, invoke + i + 1, node));

    [Fact]
    public void Enough_reads_and_compare_and_sets_through_every_node_leave_no_shortfall()
    {
        string[] nodes = ["n1", "n2"];
        var history = nodes.SelectMany(n => Work("k", n, 3, 0, OperationKind.Read).Concat(Work("k", n, 3, 0, OperationKind.Cas))).ToArray();

        Assert.Empty(CheckedWork.Shortfalls(history, ["k"], nodes, minimum: 3));
    }

    [Fact]
    public void Failed_operations_refused_compare_and_sets_and_work_before_the_cut_off_do_not_count()
    {
        var history = Work("k", "n1", 3, 0, OperationKind.Read, OperationStatus.Fail)
            .Concat(Work("k", "n1", 3, 0, OperationKind.Read, OperationStatus.Info))
            .Concat(Work("k", "n1", 3, 0, OperationKind.CasFailed))
            .Concat(Work("k", "n1", 3, 100, OperationKind.Read))
            .Concat(Work("k", "n1", 3, 0, OperationKind.Cas))
            .ToArray();

        Assert.Empty(CheckedWork.Shortfalls(history, ["k"], ["n1"], minimum: 3));
        Assert.Equal("k via n1: 3 reads and 3 compare-and-sets succeeded (at least 4 of each needed)", Assert.Single(CheckedWork.Shortfalls(history, ["k"], ["n1"], minimum: 4)));
        Assert.Equal("k via n1: 3 reads and 0 compare-and-sets succeeded (at least 3 of each needed)", Assert.Single(CheckedWork.Shortfalls(history, ["k"], ["n1"], from: 50, minimum: 3)));
    }

    [Fact]
    public void A_node_or_key_with_no_work_at_all_is_a_shortfall()
    {
        var history = Work("k", "n1", 5, 0, OperationKind.Read).Concat(Work("k", "n1", 5, 0, OperationKind.Cas)).ToArray();

        Assert.Equal(
            ["k via n2: 0 reads and 0 compare-and-sets succeeded (at least 5 of each needed)", "other via n1: 0 reads and 0 compare-and-sets succeeded (at least 5 of each needed)", "other via n2: 0 reads and 0 compare-and-sets succeeded (at least 5 of each needed)"],
            CheckedWork.Shortfalls(history, ["k", "other"], ["n1", "n2"], minimum: 5));
    }
}
