using System.Buffers.Binary;

namespace Quorum.Store.State;

/// <summary>
/// The on-disk form of a snapshot: compact, binary-safe, and checked end to end.
/// </summary>
/// <remarks>
/// <code>
/// magic      8 bytes  "QRMSNAP1"
/// index      int64 LE  log index the snapshot reflects
/// term       int64 LE  term of that entry
/// members    varint count, then per member: id, raft address, http address (varint length + UTF-8)
/// keys       varint count, then per key in byte order: key, value (varint length + bytes), revision (varint)
/// end        4 bytes  "QEND"
/// checksum   uint64 LE XxHash64 of every byte before it
/// </code>
/// A reader refuses a file whose magic, counts, order, end marker, length or checksum is off:
/// a damaged snapshot is never served.
/// </remarks>
internal static class SnapshotFormat
{
    private const int MaxFieldLength = 256 * 1024 * 1024;
    private static readonly byte[] Magic = "QRMSNAP1"u8.ToArray();
    private static readonly byte[] EndMarker = "QEND"u8.ToArray();

    /// <summary>Writes a state.</summary>
    /// <param name="destination">Where to write; left open.</param>
    /// <param name="state">The state.</param>
    /// <param name="token">Cancels between keys.</param>
    public static void Write(Stream destination, StoreState state, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var writer = new SnapshotBlockWriter(destination);
        writer.Write(Magic);
        writer.WriteInt64(state.Index);
        writer.WriteInt64(state.Term);

        writer.WriteVarint(state.Members.Count);
        foreach (var member in state.Members.Values)
        {
            writer.WriteString(member.Id);
            writer.WriteString(member.RaftAddress);
            writer.WriteString(member.HttpAddress);
        }

        writer.WriteVarint(state.Keys.Count);
        var written = 0L;
        foreach (var (key, value, record) in state.Keys.Enumerate())
        {
            if ((++written & 0xFFF) == 0)
                token.ThrowIfCancellationRequested();

            writer.WriteWithLength(key.Span);
            writer.WriteWithLength(value.Span);
            writer.WriteVarint(record.Revision);
        }

        writer.Write(EndMarker);
        Span<byte> checksum = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(checksum, writer.CurrentHash());
        destination.Write(checksum);
    }

    /// <summary>Reads and verifies a state.</summary>
    /// <param name="source">Where to read from; left open.</param>
    /// <param name="token">Cancels between keys.</param>
    /// <returns>The state.</returns>
    /// <exception cref="InvalidDataException">The data is not a complete, intact snapshot.</exception>
    public static StoreState Read(Stream source, CancellationToken token)
    {
        using var reader = new SnapshotBlockReader(source);
        try
        {
            Span<byte> magic = stackalloc byte[Magic.Length];
            reader.ReadExactly(magic);
            if (!magic.SequenceEqual(Magic))
                throw new InvalidDataException("not a Quorum snapshot (bad magic number)");

            var index = reader.ReadInt64();
            var term = reader.ReadInt64();

            var memberCount = ReadCount(reader);
            var members = new List<MemberInfo>((int)Math.Min(memberCount, 1024));
            for (var i = 0L; i < memberCount; i++)
                members.Add(new MemberInfo(reader.ReadString(MaxFieldLength), reader.ReadString(MaxFieldLength), reader.ReadString(MaxFieldLength)));

            var keyCount = ReadCount(reader);
            var entries = new List<KeyWithPayload>((int)Math.Min(keyCount, 1 << 20));
            var records = new List<KeyRecord>(entries.Capacity);
            var key = new byte[64];
            for (var i = 0L; i < keyCount; i++)
            {
                if ((i & 0xFFF) == 0)
                    token.ThrowIfCancellationRequested();

                var keyLength = ReadLength(reader);
                if (keyLength > KeyWithPayload.MaxKeyLength)
                    throw new InvalidDataException("key too long");
                if (key.Length < keyLength)
                    key = new byte[keyLength];
                reader.ReadExactly(key.AsSpan(0, keyLength));
                var valueLength = ReadLength(reader);
                var entry = KeyWithPayload.Allocate(keyLength, valueLength, out var keyBytes, out var valueBytes);
                key.AsSpan(0, keyLength).CopyTo(keyBytes);
                reader.ReadExactly(valueBytes);
                var revision = ReadCount(reader);
                if (entries.Count > 0 && SortedKeyMap<KeyRecord>.Compare(entries[^1].Key, entry.Key) >= 0)
                    throw new InvalidDataException("keys are out of order");

                entries.Add(entry);
                records.Add(new KeyRecord(revision));
            }

            Span<byte> endMarker = stackalloc byte[EndMarker.Length];
            reader.ReadExactly(endMarker);
            if (!endMarker.SequenceEqual(EndMarker))
                throw new InvalidDataException("end marker missing");

            var expected = reader.CurrentHash();
            if (reader.ReadInt64() != (long)expected)
                throw new InvalidDataException("checksum mismatch");
            if (!reader.AtEnd())
                throw new InvalidDataException("unexpected bytes after the checksum");

            return StoreState.Create(SortedKeyMap<KeyRecord>.FromSorted(entries, records), members, index, term);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("file is truncated");
        }
    }

    private static long ReadCount(SnapshotBlockReader reader)
    {
        var count = reader.ReadVarint();
        return count <= long.MaxValue ? (long)count : throw new InvalidDataException("negative count");
    }

    private static int ReadLength(SnapshotBlockReader reader)
    {
        var length = reader.ReadVarint();
        return length <= MaxFieldLength ? (int)length : throw new InvalidDataException("field length out of range");
    }
}
