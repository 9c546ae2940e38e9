using Quorum.Store.Commands;
using Quorum.Store.Native;
using Quorum.Store.State;

namespace Quorum.Store;

/// <summary>The key-value API: writes go through the proposer, linearizable reads through the read barrier.</summary>
public sealed partial class QuorumStore
{
    // A page stops early, with more to come, once its values pass this many bytes.
    private const long ListPageBytes = 16L * 1024 * 1024;

    /// <summary>Sets a key.</summary>
    /// <param name="key">The key: 1 to <see cref="MaxKeyBytes"/> bytes.</param>
    /// <param name="value">The value, up to <see cref="StoreOptions.MaxValueBytes"/>.</param>
    /// <param name="token">Cancels waiting; the write may still be applied.</param>
    /// <returns>The write's revision, once a majority has it on disk and it is applied.</returns>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the write was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    public Task<WriteResult> SetAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken token = default)
        => SetAsync(key, value, Precondition.None, ttl: null, token);

    /// <summary>Sets a key if it satisfies a precondition, optionally with a time to live.</summary>
    /// <param name="key">The key: 1 to <see cref="MaxKeyBytes"/> bytes.</param>
    /// <param name="value">The value, up to <see cref="StoreOptions.MaxValueBytes"/>.</param>
    /// <param name="condition">What the key must satisfy when the write is applied.</param>
    /// <param name="ttl">How long the key lives after the write is applied; <see langword="null"/> makes it permanent.</param>
    /// <param name="token">Cancels waiting; the write may still be applied.</param>
    /// <returns>The write's revision, once a majority has it on disk and it is applied.</returns>
    /// <exception cref="PreconditionFailedException">The key did not satisfy <paramref name="condition"/>; nothing changed.</exception>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the write was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    /// <exception cref="InsufficientStorageException">The write would take the store over its quota, or the disk is full; nothing was changed.</exception>
    public async Task<WriteResult> SetAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, Precondition condition, TimeSpan? ttl = null, CancellationToken token = default)
    {
        var put = commands.Put(key, value, condition, ttl);
        EnsureWithinQuota(put);
        var outcome = await proposer.ProposeAsync(put, token);
        return new WriteResult(Checked(outcome, condition, key).Revision);
    }

    /// <summary>Deletes a key; deleting an absent key is not an error.</summary>
    /// <param name="key">The key.</param>
    /// <param name="token">Cancels waiting; the delete may still be applied.</param>
    /// <returns>The delete's revision.</returns>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the delete was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    public Task<WriteResult> DeleteAsync(ReadOnlyMemory<byte> key, CancellationToken token = default)
        => DeleteAsync(key, Precondition.None, token);

    /// <summary>Deletes a key if it satisfies a precondition.</summary>
    /// <param name="key">The key.</param>
    /// <param name="condition">What the key must satisfy when the delete is applied.</param>
    /// <param name="token">Cancels waiting; the delete may still be applied.</param>
    /// <returns>The delete's revision.</returns>
    /// <exception cref="PreconditionFailedException">The key did not satisfy <paramref name="condition"/>; nothing changed.</exception>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the delete was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    public async Task<WriteResult> DeleteAsync(ReadOnlyMemory<byte> key, Precondition condition, CancellationToken token = default)
    {
        var outcome = await proposer.ProposeAsync(CommandFactory.Delete(key, condition), token);
        return new WriteResult(Checked(outcome, condition, key).Revision);
    }

    /// <summary>Runs a transaction: its compares, then one of its branches, as one log entry.</summary>
    /// <param name="request">The transaction.</param>
    /// <param name="token">Cancels waiting; the transaction may still be applied.</param>
    /// <returns>Which branch ran and what each of its operations found or did.</returns>
    /// <exception cref="ArgumentException">The transaction is malformed: a bad key, value or TTL, too many operations, or one key written twice in a branch.</exception>
    /// <exception cref="UnavailableException">This node is not the leader, or leadership moved before the transaction was accepted.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The commit was not confirmed in time.</exception>
    /// <exception cref="InsufficientStorageException">The transaction would take the store over its quota, or the disk is full; nothing was changed.</exception>
    public async Task<TxnResult> TxnAsync(TxnRequest request, CancellationToken token = default)
    {
        var txn = commands.Txn(request);
        EnsureWithinQuota(txn);
        var outcome = await proposer.ProposeAsync(txn, token);
        return outcome.Txn ?? throw new InvalidOperationException("The transaction's entry was applied without a result.");
    }

    /// <summary>Reads a key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="consistency">How up to date the answer must be.</param>
    /// <param name="token">Cancels the read.</param>
    /// <returns>The value and its revision, or <see langword="null"/> when the key is absent.</returns>
    /// <exception cref="UnavailableException">A linearizable read could not be confirmed: no leader or no quorum.</exception>
    public async ValueTask<StoredValue?> GetAsync(ReadOnlyMemory<byte> key, ReadConsistency consistency = ReadConsistency.Linearizable, CancellationToken token = default)
    {
        CommandFactory.ValidateKey(key.Span);
        if (consistency == ReadConsistency.Linearizable && !options.SkipReadBarrier)
            await readBarrier.WaitUntilCurrentAsync(token);

        using var read = Node.StateMachine.EnterRead();
        return State.Keys.TryGetValue(key.Span, out var record, out var payload) ? new StoredValue(record.ValueOf(payload).ToArray(), record.Revision) : null;
    }

    /// <summary>Lists keys under a prefix in byte order, a page at a time; it reads only the keys it returns.</summary>
    /// <param name="prefix">The prefix; empty lists every key.</param>
    /// <param name="after">Start after this key (the last key of the previous page), or <see langword="null"/> to start at the prefix.</param>
    /// <param name="limit">The most keys to return: 1 to <see cref="MaxListLimit"/>.</param>
    /// <param name="consistency">How up to date the page must be.</param>
    /// <param name="token">Cancels the read.</param>
    /// <returns>The page, and the revision it was read at.</returns>
    /// <exception cref="ArgumentException">The prefix or the start key is too long, or the limit is out of range.</exception>
    /// <exception cref="UnavailableException">A linearizable read could not be confirmed: no leader or no quorum.</exception>
    public async ValueTask<ListPage> ListAsync(ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte>? after, int limit, ReadConsistency consistency = ReadConsistency.Linearizable, CancellationToken token = default)
    {
        if (prefix.Length > MaxKeyBytes || after is { Length: > MaxKeyBytes })
            throw new ArgumentException($"A prefix or start key must be at most {MaxKeyBytes} bytes.", nameof(prefix));
        if (limit is < 1 or > MaxListLimit)
            throw new ArgumentOutOfRangeException(nameof(limit), $"The limit must be 1 to {MaxListLimit}; it is {limit}.");

        if (consistency == ReadConsistency.Linearizable && !options.SkipReadBarrier)
            await readBarrier.WaitUntilCurrentAsync(token);

        using var read = Node.StateMachine.EnterRead();
        var state = State;
        var start = prefix.ToArray();
        if (after is { } last && SortedKeyMap<KeyRecord>.Compare(last.Span, prefix.Span) >= 0)
            start = [.. last.Span, 0];

        var items = new List<StoredKey>(Math.Min(limit, 1024));
        long bytes = 0;
        var more = false;
        foreach (var item in state.EnumerateFrom(start))
        {
            if (!item.Key.Span.StartsWith(prefix.Span))
                break;
            if (items.Count == limit || bytes >= ListPageBytes)
            {
                more = true;
                break;
            }

            items.Add(item);
            bytes += item.Key.Length + item.Value.Length;
        }

        return new ListPage(items, more, state.Index);
    }

    /// <summary>
    /// Watches the keys under a prefix: the changes from <paramref name="fromRevision"/> on (from this
    /// node's history), then each new change as this node applies it.
    /// </summary>
    /// <param name="prefix">The prefix; empty watches every key.</param>
    /// <param name="fromRevision">The first revision to report, or <see langword="null"/> for changes after the current state.</param>
    /// <returns>The watch; dispose it to stop.</returns>
    /// <exception cref="ArgumentException">The prefix is too long or the revision is not positive.</exception>
    /// <exception cref="HistoryCompactedException">The history no longer holds the changes at <paramref name="fromRevision"/>.</exception>
    public WatchSubscription Watch(ReadOnlyMemory<byte> prefix, long? fromRevision = null)
    {
        if (prefix.Length > MaxKeyBytes)
            throw new ArgumentException($"A prefix must be at most {MaxKeyBytes} bytes.", nameof(prefix));
        if (fromRevision is < 1)
            throw new ArgumentOutOfRangeException(nameof(fromRevision), "A watch starts at revision 1 or later.");

        // Subscribe first, then read the state: every change is then in the state's history or
        // arrives live (or both, and the subscription drops the repeat).
        var subscription = listeners.Watches.Subscribe(prefix.ToArray(), options.WatcherBufferChanges);
        var state = State;
        var start = fromRevision ?? state.Index + 1;
        if (start < state.History.FirstRevision)
        {
            subscription.Dispose();
            throw new HistoryCompactedException(
                $"Revision {start} is older than the history this node keeps; the oldest revision a watch can start from is {state.History.FirstRevision}. Read the current state (GET /keys) and watch from its revision + 1.",
                state.History.FirstRevision);
        }

        subscription.Start(start, start <= state.Index ? state.History.From(start).ToList() : [], state.Index);
        return subscription;
    }

    /// <summary>
    /// On the leader: confirms leadership with a quorum round that starts after this call, waits until
    /// every entry in the leader's log at the time of the call is applied, and returns the applied index.
    /// A follower that waits until it has applied this index may answer a read linearizably.
    /// </summary>
    /// <param name="token">Cancels the confirmation.</param>
    /// <returns>The read index.</returns>
    /// <exception cref="UnavailableException">This node is not the leader, or cannot reach a quorum.</exception>
    public Task<long> ConfirmReadIndexAsync(CancellationToken token = default) => readBarrier.ConfirmReadIndexAsync(token);

    private static CommandOutcome Checked(CommandOutcome outcome, Precondition condition, ReadOnlyMemory<byte> key)
    {
        if (outcome.Applied)
            return outcome;

        var found = outcome.CurrentRevision == 0 ? "it is absent" : $"its revision is {outcome.CurrentRevision}";
        var required = condition.Kind switch
        {
            PreconditionKind.Absent => "to be absent",
            PreconditionKind.Exists => "to exist",
            _ => $"to be at revision {condition.Revision}",
        };
        throw new PreconditionFailedException($"Key '{System.Text.Encoding.UTF8.GetString(key.Span)}' was required {required}, but {found}; nothing was changed.", outcome.CurrentRevision);
    }
}
