using Quorum.Chaos.Checker;
using Quorum.Chaos.History;

namespace Quorum.Chaos.Tests;

public sealed class LinearizabilityCheckerTests
{
    private static Operation Write(int process, string value, long invoke, long complete, OperationStatus status = OperationStatus.Ok, string key = "k")
        => new(process, OperationKind.Write, key, value, status, invoke, complete, "n1");

    private static Operation Read(int process, string? value, long invoke, long complete, OperationStatus status = OperationStatus.Ok, string key = "k")
        => new(process, OperationKind.Read, key, value, status, invoke, complete, "n1");

    private static Operation Cas(int process, string? expected, string value, long invoke, long complete, OperationStatus status = OperationStatus.Ok)
        => new(process, OperationKind.Cas, "k", value, status, invoke, complete, "n1", Expected: expected);

    private static Operation CasRefused(int process, string? expected, string value, long invoke, long complete)
        => new(process, OperationKind.CasFailed, "k", value, OperationStatus.Ok, invoke, complete, "n1", Expected: expected);

    private static Verdict VerdictOf(params Operation[] history) => LinearizabilityChecker.CheckKey("k", history).Verdict;

    [Fact]
    public void A_compare_and_set_steps_only_from_its_expected_value_and_a_refusal_only_from_another()
    {
        Assert.Equal(Verdict.Linearizable, VerdictOf(Write(1, "a", 0, 1), Cas(2, "a", "b", 2, 3), Read(3, "b", 4, 5)));
        Assert.Equal(Verdict.Linearizable, VerdictOf(Cas(2, null, "a", 0, 1), CasRefused(3, null, "x", 2, 3), Read(3, "a", 4, 5)));
        Assert.Equal(Verdict.Violation, VerdictOf(Write(1, "a", 0, 1), Write(1, "c", 2, 3), Cas(2, "a", "b", 4, 5)));
        Assert.Equal(Verdict.Violation, VerdictOf(Write(1, "a", 0, 1), CasRefused(2, "a", "b", 2, 3)));
    }

    [Fact]
    public void Two_compare_and_sets_from_one_value_cannot_both_apply()
        => Assert.Equal(Verdict.Violation, VerdictOf(Write(1, "a", 0, 1), Cas(2, "a", "b", 2, 10), Cas(3, "a", "c", 2, 10), Read(4, "b", 11, 12), Read(4, "c", 13, 14)));

    [Fact]
    public void A_refusal_can_be_explained_by_a_write_of_unknown_outcome_no_read_saw()
        => Assert.Equal(Verdict.Linearizable, VerdictOf(Write(1, "a", 0, 1), Write(2, "b", 2, 3, OperationStatus.Info), CasRefused(3, "a", "c", 4, 5)));

    [Fact]
    public void A_sequential_history_is_linearizable()
        => Assert.Equal(Verdict.Linearizable, VerdictOf(Write(1, "a", 0, 1), Read(2, "a", 2, 3), Write(1, "b", 4, 5), Read(2, "b", 6, 7)));

    [Fact]
    public void The_classic_stale_read_is_a_violation()
    {
        var result = LinearizabilityChecker.CheckKey("k", [Write(1, "a", 0, 1), Write(1, "b", 2, 3), Read(2, "a", 4, 5)]);

        Assert.Equal(Verdict.Violation, result.Verdict);
        Assert.Contains("Read  k -> a", result.Explanation);
        Assert.Contains("Write k <- b", result.Explanation);
    }

    [Fact]
    public void A_read_concurrent_with_a_write_may_see_either_value()
    {
        Assert.Equal(Verdict.Linearizable, VerdictOf(Write(1, "a", 0, 1), Write(1, "b", 2, 10), Read(2, "a", 3, 4)));
        Assert.Equal(Verdict.Linearizable, VerdictOf(Write(1, "a", 0, 1), Write(1, "b", 2, 10), Read(2, "b", 3, 4)));
    }

    [Fact]
    public void Operations_that_touch_in_time_count_as_concurrent()
        => Assert.Equal(Verdict.Linearizable, VerdictOf(Write(1, "a", 0, 5), Read(2, null, 5, 6)));

    [Fact]
    public void An_absent_key_reads_as_absent_only_until_a_write_completes()
    {
        Assert.Equal(Verdict.Linearizable, VerdictOf(Read(2, null, 0, 1), Write(1, "a", 2, 3)));
        Assert.Equal(Verdict.Violation, VerdictOf(Write(1, "a", 0, 1), Read(2, null, 2, 3)));
    }

    [Fact]
    public void A_value_no_one_wrote_is_a_violation()
        => Assert.Equal(Verdict.Violation, VerdictOf(Write(1, "a", 0, 1), Read(2, "ghost", 2, 3)));

    [Fact]
    public void Reads_must_not_see_two_writes_in_both_orders()
        => Assert.Equal(Verdict.Violation, VerdictOf(
            Write(1, "a", 0, 10),
            Write(2, "b", 0, 10),
            Read(3, "a", 11, 12),
            Read(3, "b", 13, 14),
            Read(3, "a", 15, 16)));

    [Fact]
    public void A_write_of_unknown_outcome_may_take_effect_any_time_after_its_invocation()
    {
        // Seen long after the client gave up on it.
        Assert.Equal(Verdict.Linearizable, VerdictOf(Write(1, "a", 0, 1), Write(2, "x", 2, 3, OperationStatus.Info), Read(3, "a", 4, 5), Read(3, "x", 100, 101)));

        // Or never seen at all.
        Assert.Equal(Verdict.Linearizable, VerdictOf(Write(1, "a", 0, 1), Write(2, "x", 2, 3, OperationStatus.Info), Read(3, "a", 100, 101)));
    }

    [Fact]
    public void A_write_of_unknown_outcome_cannot_be_seen_before_it_was_invoked()
        => Assert.Equal(Verdict.Violation, VerdictOf(Read(3, "x", 0, 1), Write(2, "x", 2, 3, OperationStatus.Info)));

    [Fact]
    public void A_write_of_unknown_outcome_cannot_take_effect_twice()
        => Assert.Equal(Verdict.Violation, VerdictOf(
            Write(2, "x", 0, 1, OperationStatus.Info),
            Read(3, "x", 2, 3),
            Write(1, "a", 4, 5),
            Read(3, "x", 6, 7)));

    [Fact]
    public void Failed_operations_are_ignored()
        => Assert.Equal(Verdict.Linearizable, VerdictOf(Write(1, "a", 0, 1, OperationStatus.Fail), Read(2, null, 2, 3), Read(2, "zzz", 4, 5, OperationStatus.Fail)));

    [Fact]
    public void Keys_are_checked_separately_and_a_violation_names_its_key()
    {
        var results = LinearizabilityChecker.Check(
        [
            Write(1, "a", 0, 1, key: "good"), Read(2, "a", 2, 3, key: "good"),
            Write(1, "a", 0, 1, key: "bad"), Write(1, "b", 2, 3, key: "bad"), Read(2, "a", 4, 5, key: "bad"),
        ]);

        Assert.Equal([("bad", Verdict.Violation), ("good", Verdict.Linearizable)], results.Select(r => (r.Key, r.Verdict)));
    }

    [Fact]
    public void A_long_concurrent_history_generated_from_a_real_register_checks_quickly()
    {
        // Ten clients act on one register; each operation takes effect at a random instant inside
        // its interval, so the history is linearizable by construction.
        var random = new Random(7);
        var history = new List<Operation>();
        var effects = new List<(long At, Operation Op)>();
        var clock = new long[10];
        for (var i = 0; i < 6_000; i++)
        {
            var process = random.Next(10);
            var invoke = clock[process] + random.Next(1, 50);
            var complete = invoke + random.Next(1, 200);
            clock[process] = complete;
            var at = random.NextInt64(invoke, complete + 1);
            effects.Add((at, random.Next(2) == 0
                ? Write(process, $"v{i}", invoke, complete)
                : Read(process, null, invoke, complete)));
        }

        string? value = null;
        foreach (var (_, op) in effects.OrderBy(e => e.At))
        {
            if (op.Kind == OperationKind.Write)
            {
                value = op.Value;
                history.Add(op);
            }
            else
            {
                history.Add(op with { Value = value });
            }
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(Verdict.Linearizable, LinearizabilityChecker.CheckKey("k", history).Verdict);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");

        // And one stale read spoils it.
        var lastWrite = history.Where(op => op.Kind == OperationKind.Write).MaxBy(op => op.Complete)!;
        var earlier = history.Where(op => op.Kind == OperationKind.Write && op.Complete < lastWrite.Invoke).MaxBy(op => op.Complete)!;
        history.Add(Read(11, earlier.Value, lastWrite.Complete + 1_000, lastWrite.Complete + 1_001));
        Assert.Equal(Verdict.Violation, LinearizabilityChecker.CheckKey("k", history).Verdict);
    }
}
