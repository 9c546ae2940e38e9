using System.Text;

namespace Quorum.Store.Commands;

/// <summary>
/// Checks what a client asked for and turns it into the command the log carries. Pure: it reads no
/// state and proposes nothing, so every rule here is tested without a node.
/// </summary>
/// <param name="maxValueBytes">The largest value a write may carry.</param>
/// <param name="time">The clock whose wall time a lease records (for the record only; see <see cref="KeyLease"/>).</param>
internal sealed partial class CommandFactory(int maxValueBytes, TimeProvider time)
{
    /// <summary>The longest key, in bytes.</summary>
    public const int MaxKeyBytes = 1024;

    /// <summary>The most compares, and the most operations in each branch, of a transaction.</summary>
    public const int MaxTxnOperations = 128;

    /// <summary>The longest TTL.</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(3650);

    /// <summary>Builds a write.</summary>
    /// <exception cref="ArgumentException">The key or value is out of bounds, or the TTL is.</exception>
    public PutCommand Put(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, Precondition condition, TimeSpan? ttl)
    {
        ValidateKey(key.Span);
        ValidateValue(value);
        return new PutCommand(key.ToArray(), value.ToArray(), condition, Lease(ttl));
    }

    /// <summary>Builds a delete.</summary>
    /// <exception cref="ArgumentException">The key is out of bounds.</exception>
    public static DeleteCommand Delete(ReadOnlyMemory<byte> key, Precondition condition)
    {
        ValidateKey(key.Span);
        return new DeleteCommand(key.ToArray(), condition);
    }

    /// <summary>Builds a transaction.</summary>
    /// <exception cref="ArgumentException">The transaction is malformed: a bad key, value or TTL, too many operations, a compare with nothing to compare, or one key written twice in a branch.</exception>
    public TxnCommand Txn(TxnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Compare.Count > MaxTxnOperations || request.Success.Count > MaxTxnOperations || request.Failure.Count > MaxTxnOperations)
            throw new ArgumentException($"A transaction takes at most {MaxTxnOperations} compares and {MaxTxnOperations} operations in each branch.", nameof(request));

        var compares = new List<TxnCondition>(request.Compare.Count);
        foreach (var compare in request.Compare)
        {
            ValidateKey(compare.Key.Span);
            if (compare.Revision is < 0)
                throw new ArgumentException("A compared revision must not be negative.", nameof(request));
            if (compare.Revision is null && compare.Value is null)
                throw new ArgumentException("A compare needs a revision or a value.", nameof(request));

            compares.Add(new TxnCondition(compare.Key.ToArray(), compare.Revision, compare.Revision is null ? compare.Value!.Value.ToArray() : null));
        }

        return new TxnCommand(compares, Steps(request.Success, "success"), Steps(request.Failure, "failure"));
    }

    /// <summary>Checks a key's length.</summary>
    /// <exception cref="ArgumentException">The key is empty or longer than <see cref="MaxKeyBytes"/>.</exception>
    public static void ValidateKey(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > MaxKeyBytes)
            throw new ArgumentException($"A key must be 1 to {MaxKeyBytes} bytes; this one is {key.Length}.", nameof(key));
    }

    private void ValidateValue(ReadOnlyMemory<byte> value)
    {
        if (value.Length > maxValueBytes)
            throw new ArgumentException($"The value is {value.Length} bytes; the limit is {maxValueBytes}.", nameof(value));
    }

    // The lease carries its TTL; the wall time beside it is for the record, and no node expires by it.
    private KeyLease? Lease(TimeSpan? ttl)
    {
        if (ttl is not { } duration)
            return null;
        if (duration < TimeSpan.FromMilliseconds(1) || duration > MaxTtl)
            throw new ArgumentOutOfRangeException(nameof(ttl), $"A TTL must be between 1ms and {MaxTtl.TotalDays:0} days.");

        return new KeyLease((long)duration.TotalMilliseconds, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    private List<TxnStep> Steps(IReadOnlyList<TxnOperation> operations, string branch)
    {
        var written = new HashSet<ReadOnlyMemory<byte>>(ByteKeyComparer.Instance);
        var steps = new List<TxnStep>(operations.Count);
        foreach (var operation in operations)
        {
            ValidateKey(operation.Key.Span);
            if (operation.Kind is TxnOperationKind.Put or TxnOperationKind.Delete && !written.Add(operation.Key))
                throw new ArgumentException($"Key '{Encoding.UTF8.GetString(operation.Key.Span)}' is written more than once in the {branch} branch; a transaction writes a key at most once.", nameof(operations));

            switch (operation.Kind)
            {
                case TxnOperationKind.Put:
                    ValidateValue(operation.Value);
                    steps.Add(new TxnStep(TxnOperationKind.Put, operation.Key.ToArray(), operation.Value.ToArray(), Lease(operation.Ttl)));
                    break;
                case TxnOperationKind.Delete or TxnOperationKind.Get:
                    steps.Add(new TxnStep(operation.Kind, operation.Key.ToArray()));
                    break;
                default:
                    throw new ArgumentException($"Unknown transaction operation {operation.Kind}.", nameof(operations));
            }
        }

        return steps;
    }
}
