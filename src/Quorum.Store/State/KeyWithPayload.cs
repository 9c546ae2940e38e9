namespace Quorum.Store.State;

/// <summary>A key and the payload stored right after it, in one array.</summary>
/// <param name="Data">The key's bytes followed by the payload's.</param>
/// <param name="KeyLength">How many of the first bytes are the key.</param>
internal readonly record struct KeyWithPayload(byte[] Data, int KeyLength)
{
    /// <summary>Gets the key.</summary>
    public ReadOnlySpan<byte> Key => Data.AsSpan(0, KeyLength);

    /// <summary>Copies a key and a payload into one new array.</summary>
    /// <param name="key">The key.</param>
    /// <param name="payload">The payload.</param>
    /// <returns>The combined entry.</returns>
    public static KeyWithPayload Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload)
    {
        var data = GC.AllocateUninitializedArray<byte>(key.Length + payload.Length);
        key.CopyTo(data);
        payload.CopyTo(data.AsSpan(key.Length));
        return new(data, key.Length);
    }
}
