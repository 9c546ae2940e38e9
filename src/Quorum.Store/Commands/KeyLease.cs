using System.Buffers.Binary;

namespace Quorum.Store.Commands;

/// <summary>
/// A key's time to live, as the log and snapshots carry it. Expiry is timed from the TTL alone, on
/// the monotonic clock of the node that applies the write (see <see cref="Leases.LeaseTracker"/>).
/// </summary>
/// <param name="TtlMilliseconds">How long the key lives after its write is applied.</param>
/// <param name="GrantedAtUnixMilliseconds">
/// The proposing leader's wall clock (Unix milliseconds), kept for the record and for the formats'
/// sake. No node's expiry depends on it: a wall clock may be stepped, or differ between nodes.
/// </param>
internal readonly record struct KeyLease(long TtlMilliseconds, long GrantedAtUnixMilliseconds)
{
    /// <summary>The size of a lease in front of a leased key's value.</summary>
    public const int EncodedLength = 2 * sizeof(long);

    /// <summary>Writes the lease.</summary>
    /// <param name="destination">At least <see cref="EncodedLength"/> bytes.</param>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, TtlMilliseconds);
        BinaryPrimitives.WriteInt64LittleEndian(destination[sizeof(long)..], GrantedAtUnixMilliseconds);
    }

    /// <summary>Reads a lease written by <see cref="WriteTo"/>.</summary>
    /// <param name="source">The bytes.</param>
    /// <returns>The lease.</returns>
    public static KeyLease Read(ReadOnlySpan<byte> source)
        => new(BinaryPrimitives.ReadInt64LittleEndian(source), BinaryPrimitives.ReadInt64LittleEndian(source[sizeof(long)..]));
}
