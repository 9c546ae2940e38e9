using System.Collections.Immutable;
using Quorum.Store.Commands;

namespace Quorum.Store.State;

/// <summary>
/// One version of the whole replicated state: every key, the member table, and the log position
/// it reflects. Immutable; applying commands yields a new version that shares what did not change.
/// </summary>
internal sealed class StoreState
{
    private StoreState(SortedKeyMap<KeyRecord> keys, ImmutableSortedDictionary<string, MemberInfo> members, long index, long term)
    {
        Keys = keys;
        Members = members;
        Index = index;
        Term = term;
    }

    /// <summary>Gets the state of a store that has applied nothing.</summary>
    public static StoreState Empty { get; } = new(
        SortedKeyMap<KeyRecord>.Empty,
        ImmutableSortedDictionary.Create<string, MemberInfo>(StringComparer.Ordinal),
        0,
        0);

    /// <summary>Gets the keys, in byte order.</summary>
    public SortedKeyMap<KeyRecord> Keys { get; }

    /// <summary>Gets the member table, by member ID.</summary>
    public ImmutableSortedDictionary<string, MemberInfo> Members { get; }

    /// <summary>Gets the index of the last log entry this state reflects.</summary>
    public long Index { get; }

    /// <summary>Gets the term of the last log entry this state reflects.</summary>
    public long Term { get; }

    /// <summary>Creates a state from its parts, as a snapshot stores them.</summary>
    /// <param name="keys">The keys.</param>
    /// <param name="members">The members.</param>
    /// <param name="index">The log index.</param>
    /// <param name="term">The log term.</param>
    /// <returns>The state.</returns>
    public static StoreState Create(SortedKeyMap<KeyRecord> keys, IEnumerable<MemberInfo> members, long index, long term)
    {
        var table = ImmutableSortedDictionary.CreateRange(
            StringComparer.Ordinal,
            members.Select(static m => KeyValuePair.Create(m.Id, m)));
        return new(keys, table, index, term);
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
    public StoreState Advance(long index, long term) => new(Keys, Members, index, term);

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
    public Builder ToBuilder() => new(this);

    /// <summary>
    /// The state as the applier changes it: tree nodes the builder made since it last handed out a
    /// version are changed in place, so a run of entries nobody reads in between copies nothing.
    /// Not thread-safe.
    /// </summary>
    public sealed class Builder
    {
        private readonly SortedKeyMap<KeyRecord>.Builder keys;
        private ImmutableSortedDictionary<string, MemberInfo> members;

        internal Builder(StoreState state)
        {
            keys = state.Keys.ToBuilder();
            members = state.Members;
            Index = state.Index;
            Term = state.Term;
        }

        /// <summary>Gets the index of the last log entry applied.</summary>
        public long Index { get; private set; }

        /// <summary>Gets the term of the last log entry applied.</summary>
        public long Term { get; private set; }

        /// <summary>Moves to a log position whose entry changed nothing (a no-op or a membership entry).</summary>
        /// <param name="index">The entry's index.</param>
        /// <param name="term">The entry's term.</param>
        public void Advance(long index, long term)
        {
            Index = index;
            Term = term;
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

            for (var i = 0; i < commands.Count; i++)
            {
                switch (commands[i])
                {
                    case PutCommand put:
                        keys.Set(KeyWithPayload.Create(put.Key, put.Value), new KeyRecord(index));
                        break;
                    case DeleteCommand delete:
                        keys.Remove(delete.Key);
                        break;
                    case SetMemberCommand setMember:
                        members = members.SetItem(setMember.Member.Id, setMember.Member);
                        break;
                    case RemoveMemberCommand removeMember:
                        members = members.Remove(removeMember.Id);
                        break;
                    default:
                        throw new InvalidOperationException($"Unknown command {commands[i].GetType().Name}.");
                }

                outcomes[i] = new CommandOutcome(index);
            }

            Advance(index, term);
        }

        /// <summary>Yields the state as it stands; the builder copies a node again before it next changes it.</summary>
        /// <returns>The state.</returns>
        public StoreState ToImmutable() => new(keys.ToImmutable(), members, Index, Term);
    }
}
