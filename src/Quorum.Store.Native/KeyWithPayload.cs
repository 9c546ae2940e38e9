using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Quorum.Store.Native;

/// <summary>A key and the payload stored right after it, in one block of native memory.</summary>
/// <remarks>
/// <para>
/// The block is the payload's length (four bytes), the key's length (two bytes), the key, then the
/// payload. Keeping the lengths in the block keeps a tree slot at two words.
/// </para>
/// <para>
/// Why native memory: a million keys would otherwise be a million arrays on the garbage-collected
/// heap, each written young, promoted twice and, once overwritten, left dead in the oldest
/// generation until a full collection. The collector's slack around them (dead values waiting,
/// free space left by sweeping) made a node's memory 1.6–1.9 times its live data, and marking
/// them made every full collection longer as the store grew. A block is freed as soon as no
/// reader can still see it, which <see cref="EntryReclaimer"/> decides; until then it must not
/// be freed, and after it no span taken from it may be used.
/// </para>
/// </remarks>
internal readonly unsafe struct KeyWithPayload : IEquatable<KeyWithPayload>
{
    /// <summary>The longest key an entry can hold.</summary>
    public const int MaxKeyLength = ushort.MaxValue;

    private const int HeaderLength = sizeof(int) + sizeof(ushort);

    private static long liveBytes;

    private readonly byte* block;

    private KeyWithPayload(byte* block) => this.block = block;

    /// <summary>
    /// Gets the bytes held by all blocks of this process that are not yet freed: live keys and
    /// values, plus versions that a reader or a snapshot in progress can still see.
    /// </summary>
    /// <remarks>
    /// Kept by allocation and free (one uncontended atomic add each) rather than summed from the
    /// tree, so that a metrics scrape costs nothing however many keys there are.
    /// </remarks>
    public static long LiveBytes => Volatile.Read(ref liveBytes);

    /// <summary>Gets a value indicating whether this is the empty slot value (no block).</summary>
    public bool IsEmpty => block is null;

    /// <summary>Gets the key's length in bytes.</summary>
    public int KeyLength => Unsafe.ReadUnaligned<ushort>(block + sizeof(int));

    /// <summary>Gets the payload's length in bytes.</summary>
    public int PayloadLength => Unsafe.ReadUnaligned<int>(block);

    /// <summary>Gets the key; valid while the entry is.</summary>
    public ReadOnlySpan<byte> Key => new(block + HeaderLength, KeyLength);

    /// <summary>Gets the payload; valid while the entry is.</summary>
    public ReadOnlySpan<byte> Payload => new(block + HeaderLength + KeyLength, PayloadLength);

    /// <summary>Gets the key's and the payload's length together: what the entry holds, without its header.</summary>
    public long DataLength => KeyLength + PayloadLength;

    /// <summary>Gets how many bytes the block takes.</summary>
    public long Size => HeaderLength + KeyLength + PayloadLength;

    /// <summary>Copies a key and a payload into a new block.</summary>
    /// <param name="key">The key.</param>
    /// <param name="payload">The payload.</param>
    /// <returns>The combined entry; it owns a block that someone must <see cref="Free"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The key is longer than <see cref="MaxKeyLength"/>.</exception>
    public static KeyWithPayload Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload)
    {
        var entry = Allocate(key.Length, payload.Length, out var keyBytes, out var payloadBytes);
        key.CopyTo(keyBytes);
        payload.CopyTo(payloadBytes);
        return entry;
    }

    /// <summary>Allocates an entry whose key and payload the caller fills in.</summary>
    /// <param name="keyLength">The key's length.</param>
    /// <param name="payloadLength">The payload's length.</param>
    /// <param name="key">Receives where the key goes.</param>
    /// <param name="payload">Receives where the payload goes.</param>
    /// <returns>The entry; it owns a block that someone must <see cref="Free"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A length is negative or the key is longer than <see cref="MaxKeyLength"/>.</exception>
    public static KeyWithPayload Allocate(int keyLength, int payloadLength, out Span<byte> key, out Span<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keyLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keyLength, MaxKeyLength);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadLength, int.MaxValue - HeaderLength - keyLength);
        var size = HeaderLength + keyLength + payloadLength;
        var block = (byte*)NativeMemory.Alloc((nuint)size);
        Interlocked.Add(ref liveBytes, size);
        Unsafe.WriteUnaligned(block, payloadLength);
        Unsafe.WriteUnaligned(block + sizeof(int), (ushort)keyLength);
        key = new Span<byte>(block + HeaderLength, keyLength);
        payload = new Span<byte>(block + HeaderLength + keyLength, payloadLength);
        return new(block);
    }

    /// <summary>Frees the block. Only the owner may, once no reader can reach it.</summary>
    public void Free()
    {
        Interlocked.Add(ref liveBytes, -Size);
        NativeMemory.Free(block);
    }

    /// <inheritdoc/>
    public bool Equals(KeyWithPayload other) => block == other.block;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is KeyWithPayload other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ((nint)block).GetHashCode();
}
