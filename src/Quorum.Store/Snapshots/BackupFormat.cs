using System.Buffers.Binary;
using System.Security.Cryptography;
using Quorum.Store.State;

namespace Quorum.Store.Snapshots;

/// <summary>
/// A backup file (what <c>GET /snapshot</c> streams and <c>quorum snapshot save</c> keeps): a
/// snapshot of the whole replicated state, with a header that tells what it holds and a SHA-256
/// trailer over every byte before it.
/// </summary>
/// <remarks>
/// <code>
/// magic      8 bytes  "QRMBKUP1"
/// revision   int64 LE  the store revision the copy reflects (the log index of its state)
/// keys       int64 LE  number of live keys in it
/// snapshot   a version 3 snapshot, exactly as <see cref="SnapshotFormat"/> writes it (with its own
///            end marker and XxHash64)
/// sha256     32 bytes  SHA-256 of every byte before it
/// </code>
/// The trailer is over the whole file, so a reader can tell an intact file from a damaged one
/// without decoding it; the snapshot inside is the same format a node keeps and sends to its
/// followers, so restoring reads it with the same reader that checks those.
/// </remarks>
internal static class BackupFormat
{
    /// <summary>The length of the header: magic, revision, key count.</summary>
    public const int HeaderLength = 24;

    /// <summary>The length of the trailer.</summary>
    public const int TrailerLength = SHA256.HashSizeInBytes;

    private const int BufferSize = 1 << 20;
    private static readonly byte[] Magic = "QRMBKUP1"u8.ToArray();

    /// <summary>Writes a backup of a state.</summary>
    /// <param name="destination">Where to write; left open. Written front to back, never sought, so it may be a network stream.</param>
    /// <param name="state">The state; its keys must stay readable (inside a read of the state machine) until this returns.</param>
    /// <param name="token">Cancels between keys.</param>
    public static void Write(Stream destination, StoreState state, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var hashing = new HashingWriteStream(destination);
        Span<byte> header = stackalloc byte[HeaderLength];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], state.Index);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], state.Keys.Count);
        hashing.Write(header);
        SnapshotFormat.Write(hashing, state, token);
        destination.Write(hashing.Finish());
    }

    /// <summary>Checks a backup file's header and trailer.</summary>
    /// <param name="source">The file, positioned at its start; it must be seekable (its length is read).</param>
    /// <param name="token">Cancels the check.</param>
    /// <returns>The revision and key count it holds, and its size.</returns>
    /// <exception cref="InvalidDataException">The file is not an intact backup.</exception>
    public static BackupInfo Verify(Stream source, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(source);
        var length = source.Length;
        if (length < HeaderLength + TrailerLength)
            throw new InvalidDataException("too short to be a Quorum backup");

        var header = new byte[HeaderLength];
        source.ReadExactly(header);
        if (!header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException("not a Quorum backup (bad magic number)");

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(header);
        var buffer = new byte[BufferSize];
        for (var remaining = length - HeaderLength - TrailerLength; remaining > 0;)
        {
            token.ThrowIfCancellationRequested();
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
            if (read == 0)
                throw new InvalidDataException("file is truncated");
            hash.AppendData(buffer, 0, read);
            remaining -= read;
        }

        var trailer = new byte[TrailerLength];
        source.ReadExactly(trailer);
        if (!CryptographicOperations.FixedTimeEquals(trailer, hash.GetHashAndReset()))
            throw new InvalidDataException("checksum mismatch (SHA-256)");

        var revision = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(8));
        var keys = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
        if (revision < 0 || keys < 0)
            throw new InvalidDataException("negative revision or key count");

        return new BackupInfo(revision, keys, length);
    }

    /// <summary>Reads the state a backup file holds, after checking the whole file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="token">Cancels the read.</param>
    /// <returns>What the header says, and the state; its entries' blocks belong to the caller.</returns>
    /// <exception cref="InvalidDataException">The file is not an intact backup, or its header does not match the snapshot inside.</exception>
    public static (BackupInfo Info, StoreState State) Read(string path, CancellationToken token)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        var info = Verify(file, token);
        file.Position = HeaderLength;
        using var snapshot = new BoundedReadStream(file, info.Bytes - HeaderLength - TrailerLength);
        var state = SnapshotFormat.Read(snapshot, token);
        if (state.Index != info.Revision || state.Keys.Count != info.Keys)
        {
            foreach (var entry in state.Keys.Enumerate())
                entry.Item.Free();
            throw new InvalidDataException($"the header (revision {info.Revision}, {info.Keys} keys) does not match the snapshot inside (revision {state.Index}, {state.Keys.Count} keys)");
        }

        return (info, state);
    }

    // Hashes what passes through to the destination, which is left open.
    private sealed class HashingWriteStream(Stream destination) : Stream
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte[] Finish() => hash.GetHashAndReset();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            destination.Write(buffer);
        }

        public override void Flush() => destination.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                hash.Dispose();
            base.Dispose(disposing);
        }
    }

    // The snapshot inside a backup: the reader checks that nothing follows the snapshot's checksum,
    // so it must not see the trailer.
    private sealed class BoundedReadStream(Stream source, long length) : Stream
    {
        private long remaining = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (remaining == 0)
                return 0;

            var read = source.Read(buffer[..(int)Math.Min(buffer.Length, remaining)]);
            remaining -= read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
