namespace Quorum.Store;

/// <summary>What a conditional write requires of its key.</summary>
public enum PreconditionKind : byte
{
    /// <summary>Nothing: the write always applies.</summary>
    None = 0,

    /// <summary>The key is absent (create only).</summary>
    Absent = 1,

    /// <summary>The key exists, at any revision.</summary>
    Exists = 2,

    /// <summary>The key's revision is exactly <see cref="Precondition.Revision"/>.</summary>
    Revision = 3,
}

/// <summary>
/// What must hold of a key for a write to it to apply. The check is made by the state machine when
/// the write is applied, so it is atomic with respect to every other write: two writers that both
/// read revision N and both write on condition N cannot both succeed.
/// </summary>
public readonly record struct Precondition
{
    private Precondition(PreconditionKind kind, long revision)
    {
        Kind = kind;
        Revision = revision;
    }

    /// <summary>Gets no precondition.</summary>
    public static Precondition None => default;

    /// <summary>Gets the precondition that the key is absent.</summary>
    public static Precondition Absent { get; } = new(PreconditionKind.Absent, 0);

    /// <summary>Gets the precondition that the key exists.</summary>
    public static Precondition Exists { get; } = new(PreconditionKind.Exists, 0);

    /// <summary>Gets what is required.</summary>
    public PreconditionKind Kind { get; }

    /// <summary>Gets the required revision, for <see cref="PreconditionKind.Revision"/>.</summary>
    public long Revision { get; }

    /// <summary>The precondition that the key's revision is <paramref name="revision"/>; 0 means the key is absent.</summary>
    /// <param name="revision">The revision.</param>
    /// <returns>The precondition.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The revision is negative.</exception>
    public static Precondition AtRevision(long revision)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        return revision == 0 ? Absent : new(PreconditionKind.Revision, revision);
    }

    /// <summary>Tells whether a key at <paramref name="currentRevision"/> satisfies the precondition.</summary>
    /// <param name="currentRevision">The key's revision, or 0 when it is absent.</param>
    /// <returns><see langword="true"/> when the write may apply.</returns>
    public bool IsSatisfiedBy(long currentRevision) => Kind switch
    {
        PreconditionKind.Absent => currentRevision == 0,
        PreconditionKind.Exists => currentRevision != 0,
        PreconditionKind.Revision => currentRevision == Revision,
        _ => true,
    };
}
