namespace Quorum.Store;

/// <summary>Compares keys held as memory by their bytes.</summary>
internal sealed class ByteKeyComparer : IEqualityComparer<ReadOnlyMemory<byte>>
{
    /// <summary>The comparer.</summary>
    public static readonly ByteKeyComparer Instance = new();

    /// <inheritdoc/>
    public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

    /// <inheritdoc/>
    public int GetHashCode(ReadOnlyMemory<byte> obj)
    {
        var hash = default(HashCode);
        hash.AddBytes(obj.Span);
        return hash.ToHashCode();
    }
}
