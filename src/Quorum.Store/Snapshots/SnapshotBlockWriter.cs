using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Quorum.Store.Snapshots;

/// <summary>
/// Collects a snapshot's bytes in one large block, and hashes and writes each block whole.
/// </summary>
/// <remarks>
/// A snapshot of a million keys is a few million small fields. Writing each through a
/// <see cref="BinaryWriter"/> and a hashing stream cost two virtual calls and a hash update per
/// field (and per byte of each length prefix); filling a block by hand and hashing it in one call
/// makes writing the snapshot cost little more than copying the bytes.
/// </remarks>
internal sealed class SnapshotBlockWriter : IDisposable
{
    private const int BlockSize = 1 << 20;
    private readonly Stream destination;
    private readonly XxHash64 hash = new();
    private byte[] block = ArrayPool<byte>.Shared.Rent(BlockSize);
    private int used;

    /// <summary>Initializes a new instance of the <see cref="SnapshotBlockWriter"/> class.</summary>
    /// <param name="destination">Where the blocks go; left open.</param>
    public SnapshotBlockWriter(Stream destination) => this.destination = destination;

    /// <summary>Gets the hash of every byte written so far, once they are flushed.</summary>
    /// <returns>The XxHash64 of the bytes.</returns>
    public ulong CurrentHash()
    {
        Flush();
        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>Writes bytes as they are.</summary>
    /// <param name="bytes">The bytes.</param>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > block.Length - used)
        {
            Flush();
            if (bytes.Length >= block.Length)
            {
                hash.Append(bytes);
                destination.Write(bytes);
                return;
            }
        }

        bytes.CopyTo(block.AsSpan(used));
        used += bytes.Length;
    }

    /// <summary>Writes a 64-bit integer, little-endian.</summary>
    /// <param name="value">The value.</param>
    public void WriteInt64(long value)
    {
        Reserve(sizeof(long));
        BinaryPrimitives.WriteInt64LittleEndian(block.AsSpan(used), value);
        used += sizeof(long);
    }

    /// <summary>Writes a non-negative integer in 7-bit groups, low group first (as <see cref="BinaryWriter.Write7BitEncodedInt64"/> does).</summary>
    /// <param name="value">The value.</param>
    public void WriteVarint(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        Reserve(10);
        var remaining = (ulong)value;
        while (remaining >= 0x80)
        {
            block[used++] = (byte)(remaining | 0x80);
            remaining >>= 7;
        }

        block[used++] = (byte)remaining;
    }

    /// <summary>Writes bytes preceded by their length as a varint.</summary>
    /// <param name="bytes">The bytes.</param>
    public void WriteWithLength(ReadOnlySpan<byte> bytes)
    {
        WriteVarint(bytes.Length);
        Write(bytes);
    }

    /// <summary>Writes a string as <see cref="BinaryWriter.Write(string)"/> does: UTF-8 preceded by its byte length.</summary>
    /// <param name="value">The string.</param>
    public void WriteString(string value) => WriteWithLength(Encoding.UTF8.GetBytes(value));

    /// <summary>Hashes and writes out what the block holds.</summary>
    public void Flush()
    {
        if (used == 0)
            return;

        hash.Append(block.AsSpan(0, used));
        destination.Write(block, 0, used);
        used = 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (block.Length == 0)
            return;

        ArrayPool<byte>.Shared.Return(block);
        block = [];
    }

    private void Reserve(int bytes)
    {
        if (block.Length - used < bytes)
            Flush();
    }
}
