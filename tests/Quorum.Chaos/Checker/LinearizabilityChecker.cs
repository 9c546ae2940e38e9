using Quorum.Chaos.History;

namespace Quorum.Chaos.Checker;

/// <summary>The verdict on one key's history.</summary>
public enum Verdict
{
    /// <summary>A linearization exists.</summary>
    Linearizable,

    /// <summary>No linearization exists.</summary>
    Violation,

    /// <summary>The search ran out of its budget before deciding.</summary>
    Unknown,
}

/// <summary>What the checker found for one key.</summary>
/// <param name="Key">The key.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Operations">How many operations were checked.</param>
/// <param name="Explanation">For a violation: the operations around the point where no linearization exists.</param>
public sealed record KeyResult(string Key, Verdict Verdict, int Operations, string? Explanation);

/// <summary>
/// Decides whether a history of reads and writes on registers is linearizable: the Wing–Gong
/// search with Lowe's memoization (as in Knossos and Porcupine), run on each key separately since
/// registers are independent objects.
/// </summary>
/// <remarks>
/// Operations that certainly failed are dropped. A write whose outcome is unknown may take effect at
/// any time after its invocation, or never: it is kept with no deadline when some read saw its value,
/// and dropped otherwise (unobserved, it could have happened last, where it changes nothing), unless
/// the key has refused compare-and-sets: a refusal observes that the value changed, possibly by that
/// write, so then every unknown write is kept. A compare-and-set steps only from its expected value;
/// a refused one only from any other. Values are assumed unique per write, which the workloads guarantee.
/// </remarks>
public static class LinearizabilityChecker
{
    /// <summary>The default budget: how many search steps one key may take before the verdict is Unknown.</summary>
    public const long DefaultStepBudget = 200_000_000;

    /// <summary>Checks every key of a history.</summary>
    /// <param name="history">All operations, in any order.</param>
    /// <param name="stepBudget">The search budget per key.</param>
    /// <returns>One result per key.</returns>
    public static IReadOnlyList<KeyResult> Check(IEnumerable<Operation> history, long stepBudget = DefaultStepBudget)
        => history.GroupBy(static op => op.Key, StringComparer.Ordinal)
            .OrderBy(static g => g.Key, StringComparer.Ordinal)
            .AsParallel()
            .AsOrdered()
            .Select(g => CheckKey(g.Key, [.. g], stepBudget))
            .ToArray();

    /// <summary>Checks the history of one key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="operations">Its operations.</param>
    /// <param name="stepBudget">The search budget.</param>
    /// <returns>The result.</returns>
    public static KeyResult CheckKey(string key, IReadOnlyList<Operation> operations, long stepBudget = DefaultStepBudget)
    {
        var observed = operations
            .Where(static op => op is { Kind: OperationKind.Read, Status: OperationStatus.Ok, Value: not null })
            .Select(static op => op.Value!)
            .Concat(operations.Where(static op => op is { Kind: OperationKind.Cas or OperationKind.CasFailed, Status: OperationStatus.Ok, Expected: not null }).Select(static op => op.Expected!))
            .ToHashSet(StringComparer.Ordinal);
        var refusals = operations.Any(static op => op is { Kind: OperationKind.CasFailed, Status: OperationStatus.Ok });

        var ops = operations
            .Where(op => op.Status == OperationStatus.Ok
                || (op is { Status: OperationStatus.Info, Kind: OperationKind.Write or OperationKind.Cas } && op.Value is not null && (refusals || observed.Contains(op.Value))))
            .ToArray();

        var search = new Search(ops, stepBudget);
        var verdict = search.Run();
        return new KeyResult(key, verdict, ops.Length, verdict == Verdict.Violation ? search.Explain() : null);
    }

    /// <summary>One WGL search over one key's operations.</summary>
    private sealed class Search
    {
        private const int Head = 0;

        private readonly Operation[] ops;
        private readonly long stepBudget;

        // Event list: index 0 is the head sentinel; event 1 + 2i is the call of op i, 2 + 2i its return.
        private readonly int[] next;
        private readonly int[] prev;
        private readonly long[] time;

        // Register values as small integers: 0 is "absent".
        private readonly int[] written;
        private readonly int[] read;
        private readonly int[] expected;

        private int deepest = -1;
        private int deepestPending = -1;

        public Search(Operation[] ops, long stepBudget)
        {
            this.ops = ops;
            this.stepBudget = stepBudget;
            var events = (2 * ops.Length) + 1;
            next = new int[events];
            prev = new int[events];
            time = new long[events];
            written = new int[ops.Length];
            read = new int[ops.Length];
            expected = new int[ops.Length];

            var values = new Dictionary<string, int>(StringComparer.Ordinal);
            int Intern(string? value) => value is null ? 0 : values.TryGetValue(value, out var id) ? id : values[value] = values.Count + 1;

            for (var i = 0; i < ops.Length; i++)
            {
                if (ops[i].Kind == OperationKind.Read)
                    read[i] = Intern(ops[i].Value);
                else
                    written[i] = Intern(ops[i].Value);
                expected[i] = Intern(ops[i].Expected);

                time[Call(i)] = ops[i].Invoke;
                time[Return(i)] = ops[i].Status == OperationStatus.Info ? long.MaxValue : ops[i].Complete;
            }

            // Order events by time; at equal times calls come first, so touching operations count as concurrent.
            var order = Enumerable.Range(1, events - 1)
                .OrderBy(e => time[e])
                .ThenBy(e => IsCall(e) ? 0 : 1)
                .ToArray();
            var previous = Head;
            foreach (var e in order)
            {
                next[previous] = e;
                prev[e] = previous;
                previous = e;
            }

            next[previous] = -1;
        }

        public Verdict Run()
        {
            var linearized = new Bits(ops.Length);
            var cache = new HashSet<(Bits Linearized, int State)>();
            var stack = new Stack<(int Call, int State, Bits Linearized)>();
            var state = 0;
            var entry = next[Head];
            for (long steps = 0; entry != -1; steps++)
            {
                if (steps > stepBudget)
                    return Verdict.Unknown;

                var op = OpOf(entry);
                if (IsCall(entry))
                {
                    if (TryStep(op, state, out var newState))
                    {
                        var candidate = linearized.With(op);
                        if (cache.Add((candidate, newState)))
                        {
                            stack.Push((entry, state, linearized));
                            state = newState;
                            linearized = candidate;
                            Lift(op);
                            if (stack.Count > deepest)
                            {
                                deepest = stack.Count;
                                deepestPending = next[Head];
                            }

                            entry = next[Head];
                            continue;
                        }
                    }

                    entry = next[entry];
                    continue;
                }

                // The return of an operation not yet linearized. If its deadline is "never" (an
                // unknown write), every remaining operation is such a write: they can all go last.
                if (time[entry] == long.MaxValue)
                    return Verdict.Linearizable;

                if (!stack.TryPop(out var top))
                    return Verdict.Violation;

                state = top.State;
                linearized = top.Linearized;
                Unlift(OpOf(top.Call));
                entry = next[top.Call];
            }

            return Verdict.Linearizable;
        }

        public string Explain()
        {
            if (deepestPending < 1)
                return "No operation could be linearized first.";

            // The earliest operation still pending at the deepest point of the search, and everything
            // that overlaps it in time: somewhere in there the history stops making sense.
            var stuck = ops[OpOf(deepestPending)];
            var window = ops
                .Where(op => op.Invoke <= (stuck.Status == OperationStatus.Info ? long.MaxValue : stuck.Complete) && (op.Status == OperationStatus.Info || op.Complete >= stuck.Invoke))
                .OrderBy(static op => op.Invoke)
                .Take(40);
            var lastWrites = ops
                .Where(op => op.Kind == OperationKind.Write && op.Status == OperationStatus.Ok && op.Complete < stuck.Invoke)
                .OrderByDescending(static op => op.Complete)
                .Take(3)
                .Reverse();

            var text = new System.Text.StringBuilder();
            text.AppendLine($"No linearization exists. The search linearized at most {deepest} of {ops.Length} operations; it could not place:");
            text.AppendLine("  " + stuck);
            text.AppendLine("The last writes acknowledged before it was invoked:");
            foreach (var op in lastWrites)
                text.AppendLine("  " + op);
            text.AppendLine("The operations overlapping it:");
            foreach (var op in window)
                text.AppendLine("  " + op);
            return text.ToString();
        }

        private static int Call(int op) => 1 + (2 * op);

        private static int Return(int op) => 2 + (2 * op);

        private static bool IsCall(int e) => (e & 1) == 1;

        private static int OpOf(int e) => (e - 1) / 2;

        private bool TryStep(int op, int state, out int newState)
        {
            switch (ops[op].Kind)
            {
                case OperationKind.Write:
                    newState = written[op];
                    return true;
                case OperationKind.Cas:
                    newState = written[op];
                    return state == expected[op];
                case OperationKind.CasFailed:
                    newState = state;
                    return state != expected[op];
                default:
                    newState = state;
                    return read[op] == state;
            }
        }

        private void Lift(int op)
        {
            Remove(Call(op));
            Remove(Return(op));
        }

        private void Unlift(int op)
        {
            Restore(Return(op));
            Restore(Call(op));
        }

        private void Remove(int e)
        {
            next[prev[e]] = next[e];
            if (next[e] != -1)
                prev[next[e]] = prev[e];
        }

        private void Restore(int e)
        {
            next[prev[e]] = e;
            if (next[e] != -1)
                prev[next[e]] = e;
        }
    }

    /// <summary>An immutable set of operation indexes, compared by content.</summary>
    private readonly struct Bits : IEquatable<Bits>
    {
        private readonly ulong[] words;
        private readonly int hash;

        public Bits(int count)
            : this(new ulong[(count + 63) / 64])
        {
        }

        private Bits(ulong[] words)
        {
            this.words = words;
            var h = new HashCode();
            foreach (var w in words)
                h.Add(w);
            hash = h.ToHashCode();
        }

        public Bits With(int index)
        {
            var copy = (ulong[])words.Clone();
            copy[index >> 6] |= 1UL << (index & 63);
            return new Bits(copy);
        }

        public bool Equals(Bits other) => hash == other.hash && words.AsSpan().SequenceEqual(other.words);

        public override bool Equals(object? obj) => obj is Bits other && Equals(other);

        public override int GetHashCode() => hash;
    }
}
