using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Quorum.Store.Snapshots;

/// <summary>
/// Reads a snapshot's bytes through one large block, hashing what has been consumed a block at a time.
/// </summary>
/// <remarks>
/// The counterpart of <see cref="SnapshotBlockWriter"/>: fields are decoded straight from the block,
/// and the hash is brought up to date only when the block is refilled or the hash is asked for, so a
/// million keys cost a few hundred hash updates, not several million.
/// </remarks>
internal sealed class SnapshotBlockReader : IDisposable
{
    private const int BlockSize = 1 << 20;
    private readonly Stream source;
    private readonly XxHash64 hash = new();
    private byte[] block = ArrayPool<byte>.Shared.Rent(BlockSize);
    private int position;
    private int filled;
    private int hashedUpTo;

    /// <summary>Initializes a new instance of the <see cref="SnapshotBlockReader"/> class.</summary>
    /// <param name="source">Where to read from; left open.</param>
    public SnapshotBlockReader(Stream source) => this.source = source;

    /// <summary>Gets the hash of every byte consumed so far.</summary>
    /// <returns>The XxHash64 of the bytes.</returns>
    public ulong CurrentHash()
    {
        HashConsumed();
        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>Fills a span with the next bytes.</summary>
    /// <param name="destination">Where the bytes go.</param>
    /// <exception cref="EndOfStreamException">The data ends first.</exception>
    public void ReadExactly(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (position == filled && !Refill())
                throw new EndOfStreamException();

            var count = Math.Min(destination.Length, filled - position);
            block.AsSpan(position, count).CopyTo(destination);
            position += count;
            destination = destination[count..];
        }
    }

    /// <summary>Reads a 64-bit integer, little-endian.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="EndOfStreamException">The data ends first.</exception>
    public long ReadInt64()
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        ReadExactly(bytes);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    /// <summary>Reads an unsigned integer in 7-bit groups, low group first.</summary>
    /// <returns>The value.</returns>
    /// <exception cref="EndOfStreamException">The data ends first.</exception>
    /// <exception cref="InvalidDataException">The integer is longer than 64 bits.</exception>
    public ulong ReadVarint()
    {
        var value = 0UL;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position == filled && !Refill())
                throw new EndOfStreamException();

            var b = block[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }

        throw new InvalidDataException("malformed variable-length integer");
    }

    /// <summary>Reads a string as <see cref="BinaryWriter.Write(string)"/> writes it.</summary>
    /// <param name="maxBytes">The longest encoding accepted.</param>
    /// <returns>The string.</returns>
    /// <exception cref="EndOfStreamException">The data ends first.</exception>
    /// <exception cref="InvalidDataException">The length is out of range.</exception>
    public string ReadString(int maxBytes)
    {
        var length = ReadVarint();
        if (length > (ulong)maxBytes)
            throw new InvalidDataException("string length out of range");

        var bytes = new byte[(int)length];
        ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Tells whether any bytes are left.</summary>
    /// <returns><see langword="true"/> at the end of the data.</returns>
    public bool AtEnd() => position == filled && !Refill();

    /// <inheritdoc/>
    public void Dispose()
    {
        if (block.Length == 0)
            return;

        ArrayPool<byte>.Shared.Return(block);
        block = [];
    }

    private void HashConsumed()
    {
        hash.Append(block.AsSpan(hashedUpTo, position - hashedUpTo));
        hashedUpTo = position;
    }

    private bool Refill()
    {
        HashConsumed();
        filled = source.ReadAtLeast(block, block.Length, throwOnEndOfStream: false);
        position = 0;
        hashedUpTo = 0;
        return filled > 0;
    }
}
