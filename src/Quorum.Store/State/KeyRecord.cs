using Quorum.Store.Commands;

namespace Quorum.Store.State;

/// <summary>The stored state of one key besides its value (the value is the key's payload in the map).</summary>
/// <remarks>
/// A key with a lease keeps it in front of its value in the payload, flagged by the record's top
/// bit, so keys without one (most of them) pay nothing for leases: a tree slot stays two words.
/// </remarks>
internal readonly record struct KeyRecord
{
    private const long LeasedFlag = long.MinValue;
    private readonly long bits;

    /// <summary>Initializes a new instance of the <see cref="KeyRecord"/> struct.</summary>
    /// <param name="revision">The index of the log entry that last changed the key.</param>
    /// <param name="hasLease">Whether the payload starts with a <see cref="KeyLease"/>.</param>
    public KeyRecord(long revision, bool hasLease = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        bits = hasLease ? revision | LeasedFlag : revision;
    }

    /// <summary>Gets the index of the log entry that last changed the key.</summary>
    public long Revision => bits & long.MaxValue;

    /// <summary>Gets a value indicating whether the key has a lease.</summary>
    public bool HasLease => bits < 0;

    /// <summary>Gets the value within a payload.</summary>
    /// <param name="payload">The key's payload.</param>
    /// <returns>The value.</returns>
    public ReadOnlySpan<byte> ValueOf(ReadOnlySpan<byte> payload) => HasLease ? payload[KeyLease.EncodedLength..] : payload;

    /// <summary>Gets the lease within a payload.</summary>
    /// <param name="payload">The key's payload.</param>
    /// <returns>The lease, or <see langword="null"/>.</returns>
    public KeyLease? LeaseOf(ReadOnlySpan<byte> payload) => HasLease ? KeyLease.Read(payload) : null;
}
