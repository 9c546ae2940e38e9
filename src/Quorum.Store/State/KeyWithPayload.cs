using System.Buffers.Binary;

namespace Quorum.Store.State;

/// <summary>A key and the payload stored right after it, in one array.</summary>
/// <remarks>
/// The array is the key's length (two bytes, little-endian), the key, then the payload. Keeping the
/// length in the array rather than beside it keeps a tree slot at two words.
/// </remarks>
internal readonly struct KeyWithPayload
{
    /// <summary>The longest key an entry can hold.</summary>
    public const int MaxKeyLength = ushort.MaxValue;

    private const int HeaderLength = sizeof(ushort);

    private KeyWithPayload(byte[] data) => Data = data;

    /// <summary>Gets the array: key length, key, payload.</summary>
    public byte[] Data { get; }

    /// <summary>Gets the key's length in bytes.</summary>
    public int KeyLength => BinaryPrimitives.ReadUInt16LittleEndian(Data);

    /// <summary>Gets the key.</summary>
    public ReadOnlySpan<byte> Key => Data.AsSpan(HeaderLength, KeyLength);

    /// <summary>Gets the key, as memory.</summary>
    public ReadOnlyMemory<byte> KeyMemory => Data.AsMemory(HeaderLength, KeyLength);

    /// <summary>Gets the payload.</summary>
    public ReadOnlyMemory<byte> Payload => Data.AsMemory(HeaderLength + KeyLength);

    /// <summary>Copies a key and a payload into one new array.</summary>
    /// <param name="key">The key.</param>
    /// <param name="payload">The payload.</param>
    /// <returns>The combined entry.</returns>
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
    /// <returns>The entry.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The key is longer than <see cref="MaxKeyLength"/>.</exception>
    public static KeyWithPayload Allocate(int keyLength, int payloadLength, out Span<byte> key, out Span<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keyLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keyLength, MaxKeyLength);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        var data = GC.AllocateUninitializedArray<byte>(HeaderLength + keyLength + payloadLength);
        BinaryPrimitives.WriteUInt16LittleEndian(data, (ushort)keyLength);
        key = data.AsSpan(HeaderLength, keyLength);
        payload = data.AsSpan(HeaderLength + keyLength);
        return new(data);
    }
}
