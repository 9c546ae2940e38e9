using System.Collections.Immutable;
using Quorum.Store.Auth;
using Quorum.Store.Commands;
using Quorum.Store.Native;

namespace Quorum.Store.State;

/// <summary>
/// One version of the whole replicated state: every key, the member table, users and roles, the
/// recent changes for watchers, and the log position it reflects. Immutable; applying commands yields a new version
/// that shares what did not change.
/// </summary>
internal sealed class StoreState
{
    private StoreState(SortedKeyMap<KeyRecord> keys, ImmutableSortedDictionary<string, MemberInfo> members, AuthState auth, WatchHistory history, long index, long term)
    {
        Keys = keys;
        Members = members;
        Auth = auth;
        History = history;
        Index = index;
        Term = term;
    }

    /// <summary>Gets the state of a store that has applied nothing.</summary>
    public static StoreState Empty { get; } = new(
        SortedKeyMap<KeyRecord>.Empty,
        ImmutableSortedDictionary.Create<string, MemberInfo>(StringComparer.Ordinal),
        AuthState.Empty,
        WatchHistory.Empty,
        0,
        0);

    /// <summary>
    /// Gets the keys, in byte order; a leased key's payload starts with its lease (see <see cref="KeyRecord"/>).
    /// Keys and payloads are native memory: read them only inside a read of the state machine
    /// (<c>KeyValueStateMachine.EnterRead</c>, a layer up) or on the applier, and copy out what you keep.
    /// </summary>
    public SortedKeyMap<KeyRecord> Keys { get; }

    /// <summary>Gets the member table, by member ID.</summary>
    public ImmutableSortedDictionary<string, MemberInfo> Members { get; }

    /// <summary>Gets users, roles and whether auth is on.</summary>
    public AuthState Auth { get; }

    /// <summary>Gets the recent changes, for watchers.</summary>
    public WatchHistory History { get; }

    /// <summary>Gets the index of the last log entry this state reflects.</summary>
    public long Index { get; }

    /// <summary>Gets the term of the last log entry this state reflects.</summary>
    public long Term { get; }

    /// <summary>Creates a state from its parts, as a snapshot stores them.</summary>
    /// <param name="keys">The keys.</param>
    /// <param name="members">The members.</param>
    /// <param name="auth">Users and roles.</param>
    /// <param name="history">The recent changes.</param>
    /// <param name="index">The log index.</param>
    /// <param name="term">The log term.</param>
    /// <returns>The state.</returns>
    public static StoreState Create(SortedKeyMap<KeyRecord> keys, IEnumerable<MemberInfo> members, AuthState auth, WatchHistory history, long index, long term)
    {
        var table = ImmutableSortedDictionary.CreateRange(
            StringComparer.Ordinal,
            members.Select(static m => KeyValuePair.Create(m.Id, m)));
        return new(keys, table, auth, history, index, term);
    }

    /// <summary>Looks a key up.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The key, its value and revision, or <see langword="null"/> when absent.</returns>
    public StoredKey? Find(ReadOnlySpan<byte> key)
        => Keys.TryGetValue(key, out var record, out var payload) ? new StoredKey(key.ToArray(), record.ValueOf(payload).ToArray(), record.Revision) : null;

    /// <summary>
    /// Tells how many bytes of keys and payloads (<see cref="SortedKeyMap{TValue}.Bytes"/>) a command
    /// would add if it were applied to this state; negative when it frees more than it adds. A
    /// transaction counts the branch that adds more, as either may run. The caller holds a read.
    /// </summary>
    /// <param name="command">The command.</param>
    /// <returns>The growth in bytes; 0 for commands that change no key.</returns>
    public long GrowthOf(Command command) => command switch
    {
        PutCommand put => SizeOf(put.Key, put.Value, put.Lease) - SizeOf(put.Key),
        DeleteCommand delete => -SizeOf(delete.Key),
        TxnCommand txn => Math.Max(GrowthOf(txn.Success), GrowthOf(txn.Failure)),
        _ => 0,
    };

    // A branch writes each key at most once (CommandFactory refuses a branch that writes one twice).
    private long GrowthOf(IReadOnlyList<TxnStep> steps) => steps.Sum(step => step.Kind switch
    {
        TxnOperationKind.Put => SizeOf(step.Key, step.Value ?? [], step.Lease) - SizeOf(step.Key),
        TxnOperationKind.Delete => -SizeOf(step.Key),
        _ => 0L,
    });

    private static long SizeOf(byte[] key, byte[] value, KeyLease? lease) => key.Length + value.Length + (lease is null ? 0 : KeyLease.EncodedLength);

    // What the key holds now: 0 when absent.
    private long SizeOf(byte[] key) => Keys.TryGetValue(key, out _, out var payload) ? key.Length + payload.Length : 0;

    /// <summary>Enumerates keys in byte order from the first one not less than <paramref name="start"/>.</summary>
    /// <param name="start">Where to start.</param>
    /// <returns>The keys, lazily.</returns>
    public IEnumerable<StoredKey> EnumerateFrom(byte[] start)
    {
        foreach (var entry in Keys.EnumerateFrom(start))
        {
            var lease = entry.Value.LeaseOf(entry.Payload);
            yield return new StoredKey(entry.Key.ToArray(), entry.Value.ValueOf(entry.Payload).ToArray(), entry.Value.Revision)
            {
                Ttl = lease is { } l ? TimeSpan.FromMilliseconds(l.TtlMilliseconds) : null,
                ExpiresAbout = lease is { } g ? DateTimeOffset.FromUnixTimeMilliseconds(g.GrantedAtUnixMilliseconds + g.TtlMilliseconds) : null,
            };
        }
    }

    /// <summary>Enumerates the keys that have a lease.</summary>
    /// <returns>Each leased key with the revision its lease belongs to.</returns>
    public IEnumerable<LeaseGrant> EnumerateLeases()
    {
        foreach (var entry in Keys.Enumerate())
        {
            if (entry.Value.LeaseOf(entry.Payload) is { } lease)
                yield return new LeaseGrant(entry.Key.ToArray(), entry.Value.Revision, lease);
        }
    }

    /// <summary>Finds the member recorded at a Raft address.</summary>
    /// <param name="raftAddress">The address, as <c>host:port</c>.</param>
    /// <returns>The member, or <see langword="null"/>.</returns>
    public MemberInfo? FindMemberByAddress(string raftAddress)
        => Members.Values.FirstOrDefault(m => m.RaftAddress == raftAddress);

    /// <summary>Returns this state moved to a log position whose entry changed nothing (a no-op or a membership entry).</summary>
    /// <param name="index">The entry's index.</param>
    /// <param name="term">The entry's term.</param>
    /// <returns>The new state.</returns>
    public StoreState Advance(long index, long term) => new(Keys, Members, Auth, History, index, term);

    /// <summary>Returns this state with other watch history limits.</summary>
    /// <param name="maxChanges">The most changes kept.</param>
    /// <param name="maxBytes">The most bytes kept.</param>
    /// <returns>The state.</returns>
    public StoreState WithHistoryLimits(long maxChanges, long maxBytes)
        => new(Keys, Members, Auth, History.WithLimits(maxChanges, maxBytes), Index, Term);

    /// <summary>Applies the commands of one log entry.</summary>
    /// <param name="commands">The commands, in order.</param>
    /// <param name="index">The entry's index; it becomes the revision of every key the entry changes.</param>
    /// <param name="term">The entry's term.</param>
    /// <param name="outcomes">Receives one outcome per command.</param>
    /// <returns>The new state.</returns>
    public StoreState Apply(IReadOnlyList<Command> commands, long index, long term, Span<CommandOutcome> outcomes)
    {
        var builder = ToBuilder();
        builder.Apply(commands, index, term, outcomes);
        return builder.ToImmutable();
    }

    /// <summary>Starts a run of changes on top of this state, which itself never changes.</summary>
    /// <returns>The builder.</returns>
    public Builder ToBuilder() => new(this, null);

    /// <summary>Starts a run of changes on top of this state, handing every entry it drops to <paramref name="reclaimer"/>.</summary>
    /// <param name="reclaimer">Frees dropped entries once no reader can see them.</param>
    /// <returns>The builder.</returns>
    public Builder ToBuilder(EntryReclaimer reclaimer) => new(this, reclaimer);

    /// <summary>
    /// The state as the applier changes it: tree nodes the builder made since it last handed out a
    /// version are changed in place, so a run of entries nobody reads in between copies nothing.
    /// Not thread-safe.
    /// </summary>
    public sealed class Builder
    {
        private readonly SortedKeyMap<KeyRecord>.Builder keys;
        private readonly List<KeyChange> changes = [];
        private readonly List<LeaseGrant> grants = [];
        private ImmutableSortedDictionary<string, MemberInfo> members;
        private AuthState auth;
        private WatchHistory history;

        internal Builder(StoreState state, EntryReclaimer? reclaimer)
        {
            keys = state.Keys.ToBuilder(reclaimer);
            members = state.Members;
            auth = state.Auth;
            history = state.History;
            Index = state.Index;
            Term = state.Term;
        }

        /// <summary>Gets the index of the last log entry applied.</summary>
        public long Index { get; private set; }

        /// <summary>Gets the term of the last log entry applied.</summary>
        public long Term { get; private set; }

        /// <summary>Gets the changes the last applied entry made, or <see langword="null"/> when it changed no key.</summary>
        public ChangeBatch? LastChanges { get; private set; }

        /// <summary>Gets the leases the last applied entry granted.</summary>
        public IReadOnlyList<LeaseGrant> LastGrants => grants;

        /// <summary>Moves to a log position whose entry changed nothing (a no-op or a membership entry).</summary>
        /// <param name="index">The entry's index.</param>
        /// <param name="term">The entry's term.</param>
        public void Advance(long index, long term)
        {
            Index = index;
            Term = term;
            LastChanges = null;
            grants.Clear();
        }

        /// <summary>Applies the commands of one log entry.</summary>
        /// <param name="commands">The commands, in order.</param>
        /// <param name="index">The entry's index; it becomes the revision of every key the entry changes.</param>
        /// <param name="term">The entry's term.</param>
        /// <param name="outcomes">Receives one outcome per command.</param>
        public void Apply(IReadOnlyList<Command> commands, long index, long term, Span<CommandOutcome> outcomes)
        {
            ArgumentNullException.ThrowIfNull(commands);
            if (outcomes.Length < commands.Count)
                throw new ArgumentException("There must be room for one outcome per command.", nameof(outcomes));

            changes.Clear();
            grants.Clear();
            for (var i = 0; i < commands.Count; i++)
                outcomes[i] = Apply(commands[i], index);

            Index = index;
            Term = term;
            LastChanges = changes.Count > 0 ? new ChangeBatch(index, changes.ToArray()) : null;
            if (LastChanges is not null)
                history = history.Append(LastChanges);
        }

        /// <summary>Hands every key's entry to the reclaimer: the whole state is being replaced, and this builder is done.</summary>
        public void RetireAll() => keys.RetireAll();

        /// <summary>Yields the state as it stands; the builder copies a node again before it next changes it.</summary>
        /// <returns>The state.</returns>
        public StoreState ToImmutable() => new(keys.ToImmutable(), members, auth, history, Index, Term);

        private CommandOutcome Apply(Command command, long index)
        {
            switch (command)
            {
                case PutCommand put:
                    if (put.Condition.Kind != PreconditionKind.None && !put.Condition.IsSatisfiedBy(RevisionOf(put.Key)))
                        return CommandOutcome.Failed(index, RevisionOf(put.Key));

                    Put(put.Key, put.Value, put.Lease, index);
                    break;
                case DeleteCommand delete:
                    if (delete.Condition.Kind != PreconditionKind.None && !delete.Condition.IsSatisfiedBy(RevisionOf(delete.Key)))
                        return CommandOutcome.Failed(index, RevisionOf(delete.Key));

                    Delete(delete.Key, index);
                    break;
                case ExpireCommand expire:
                    // Only the version the lease was granted with: a key written again since has a new revision.
                    if (keys.TryGetValue(expire.Key, out var record, out _) && record.HasLease && record.Revision == expire.Revision)
                        Delete(expire.Key, index);
                    break;
                case TxnCommand txn:
                    return new CommandOutcome(index, Txn: ApplyTxn(txn, index));
                case SetMemberCommand setMember:
                    members = members.SetItem(setMember.Member.Id, setMember.Member);
                    break;
                case RemoveMemberCommand removeMember:
                    members = members.Remove(removeMember.Id);
                    break;
                default:
                    var refusal = ApplyAuth(command, index);
                    if (refusal != AuthRefusal.None)
                        return CommandOutcome.Refused(index, refusal);
                    break;
            }

            return new CommandOutcome(index);
        }

        private AuthRefusal ApplyAuth(Command command, long index)
        {
            switch (command)
            {
                case PutUserCommand put:
                    var existing = auth.UserRecords.GetValueOrDefault(put.Name);
                    if (existing is null && put.Password is null)
                        return AuthRefusal.PasswordNeeded;

                    // A new password starts a new generation: tokens issued under the old one end.
                    auth = auth.WithUser(new UserRecord(put.Name, put.Password ?? existing!.Password, [.. put.Roles], put.Password is null ? existing!.Generation : index));
                    return AuthRefusal.None;
                case DeleteUserCommand delete:
                    if (!auth.UserRecords.ContainsKey(delete.Name))
                        return AuthRefusal.UnknownUser;
                    if (auth.Enabled && delete.Name == AuthUser.Root)
                        return AuthRefusal.RootUserNeeded;
                    auth = auth.WithoutUser(delete.Name);
                    return AuthRefusal.None;
                case PutRoleCommand put:
                    auth = auth.WithRole(put.Role);
                    return AuthRefusal.None;
                case DeleteRoleCommand delete:
                    if (!auth.Roles.ContainsKey(delete.Name))
                        return AuthRefusal.UnknownRole;
                    auth = auth.WithoutRole(delete.Name);
                    return AuthRefusal.None;
                case SetAuthEnabledCommand enable:
                    if (enable.Enabled && !auth.UserRecords.ContainsKey(AuthUser.Root))
                        return AuthRefusal.NoRootUser;
                    auth = auth.WithEnabled(enable.Enabled, enable.TokenKey);
                    return AuthRefusal.None;
                default:
                    throw new InvalidOperationException($"Unknown command {command.GetType().Name}.");
            }
        }

        private long RevisionOf(ReadOnlySpan<byte> key) => keys.TryGetValue(key, out var record, out _) ? record.Revision : 0;

        private void Put(byte[] key, byte[] value, KeyLease? lease, long index)
        {
            var entry = KeyWithPayload.Allocate(key.Length, (lease is null ? 0 : KeyLease.EncodedLength) + value.Length, out var keyBytes, out var payload);
            key.CopyTo(keyBytes);
            if (lease is { } granted)
            {
                granted.WriteTo(payload);
                payload = payload[KeyLease.EncodedLength..];
                grants.Add(new LeaseGrant(key, index, granted));
            }

            value.CopyTo(payload);
            keys.Set(entry, new KeyRecord(index, lease is not null));

            // The command's own arrays, not the entry's block: watchers keep changes after the
            // entry is overwritten and freed.
            changes.Add(new KeyChange(KeyChangeKind.Put, key, value, index));
        }

        private void Delete(byte[] key, long index)
        {
            if (keys.Remove(key))
                changes.Add(new KeyChange(KeyChangeKind.Delete, key, ReadOnlyMemory<byte>.Empty, index));
        }

        private TxnResult ApplyTxn(TxnCommand txn, long index)
        {
            var succeeded = txn.Compares.All(Holds);
            var steps = succeeded ? txn.Success : txn.Failure;
            var results = new TxnOperationResult[steps.Count];
            for (var i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                switch (step.Kind)
                {
                    case TxnOperationKind.Put:
                        Put(step.Key, step.Value ?? [], step.Lease, index);
                        results[i] = new TxnOperationResult(step.Key, null, index);
                        break;
                    case TxnOperationKind.Delete:
                        Delete(step.Key, index);
                        results[i] = new TxnOperationResult(step.Key, null, index);
                        break;
                    default:
                        results[i] = keys.TryGetValue(step.Key, out var record, out var payload)
                            ? new TxnOperationResult(step.Key, record.ValueOf(payload).ToArray(), record.Revision)
                            : new TxnOperationResult(step.Key, null, 0);
                        break;
                }
            }

            return new TxnResult(succeeded, index, results);
        }

        private bool Holds(TxnCondition compare)
        {
            var present = keys.TryGetValue(compare.Key, out var record, out var payload);
            if (compare.Revision is { } revision)
                return (present ? record.Revision : 0) == revision;

            return present && record.ValueOf(payload).SequenceEqual(compare.Value);
        }
    }
}
