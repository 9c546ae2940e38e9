using System.Buffers.Binary;

namespace Quorum.Store.State;

/// <summary>
/// A key's time to live. The leader stamps the grant time when it proposes the write, so time enters
/// the state through the log and every replica stores the same lease.
/// </summary>
/// <param name="TtlMilliseconds">How long the key lives after its write is applied.</param>
/// <param name="GrantedAtUnixMilliseconds">The leader's clock when it proposed the write (Unix milliseconds).</param>
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
