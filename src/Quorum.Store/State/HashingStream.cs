using System.IO.Hashing;

namespace Quorum.Store.State;

/// <summary>
/// A forward-only stream wrapper that feeds every byte read or written through a hash, so a
/// snapshot's checksum is computed in the same pass that writes or parses it.
/// </summary>
/// <param name="inner">The stream to wrap; it is not disposed with this one.</param>
internal sealed class HashingStream(Stream inner) : Stream
{
    private readonly XxHash64 hash = new();

    /// <inheritdoc/>
    public override bool CanRead => inner.CanRead;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => inner.CanWrite;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Gets the hash of every byte that has passed through so far.</summary>
    /// <returns>The hash.</returns>
    public ulong CurrentHash() => hash.GetCurrentHashAsUInt64();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        hash.Append(buffer[..read]);
        return read;
    }

    /// <inheritdoc/>
    public override int ReadByte()
    {
        var b = inner.ReadByte();
        if (b >= 0)
            hash.Append([(byte)b]);
        return b;
    }

    /// <inheritdoc/>
    public override void WriteByte(byte value)
    {
        hash.Append([value]);
        inner.WriteByte(value);
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        hash.Append(buffer);
        inner.Write(buffer);
    }

    /// <inheritdoc/>
    public override void Flush() => inner.Flush();

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();
}
