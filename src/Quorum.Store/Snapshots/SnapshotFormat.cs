using System.Buffers.Binary;
using Quorum.Store.Auth;
using Quorum.Store.Commands;
using Quorum.Store.Native;
using Quorum.Store.State;

namespace Quorum.Store.Snapshots;

/// <summary>
/// The on-disk form of a snapshot: compact, binary-safe, and checked end to end.
/// </summary>
/// <remarks>
/// <code>
/// magic      8 bytes  "QRMSNAP3" ("QRMSNAP2": the same without the auth section)
/// index      int64 LE  log index the snapshot reflects
/// term       int64 LE  term of that entry
/// members    varint count, then per member: id, raft address, http address (varint length + UTF-8)
/// keys       varint count, then per key in byte order: key (varint length + bytes), revision × 2,
///            plus 1 if leased (varint), for a leased key its TTL and grant time (varint
///            milliseconds each), then the value (varint length + bytes)
/// history    first available revision (varint), varint count of batches, then per batch:
///            revision (varint), varint count of changes, per change: kind (0 put, 1 delete), key,
///            and for a put the value
/// auth       see SnapshotFormat.Auth.cs: whether auth is on, the token key, users, roles
/// end        4 bytes  "QEND"
/// checksum   uint64 LE XxHash64 of every byte before it
/// </code>
/// Version 3 added users and roles; version 2 (written before them) still reads, with auth off and
/// nobody defined. A reader refuses a file whose magic, counts, order, end marker, length
/// or checksum is off: a damaged snapshot is never served.
/// </remarks>
internal static partial class SnapshotFormat
{
    private const int MaxFieldLength = 256 * 1024 * 1024;
    private static readonly byte[] Magic = "QRMSNAP3"u8.ToArray();
    private static readonly byte[] MagicWithoutAuth = "QRMSNAP2"u8.ToArray();
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
        foreach (var entry in state.Keys.Enumerate())
        {
            if ((++written & 0xFFF) == 0)
                token.ThrowIfCancellationRequested();

            var record = entry.Value;
            writer.WriteWithLength(entry.Key);
            writer.WriteVarint((record.Revision << 1) | (record.HasLease ? 1L : 0L));
            if (record.LeaseOf(entry.Payload) is { } lease)
            {
                writer.WriteVarint(lease.TtlMilliseconds);
                writer.WriteVarint(lease.GrantedAtUnixMilliseconds);
            }

            writer.WriteWithLength(record.ValueOf(entry.Payload));
        }

        WriteHistory(writer, state.History);
        WriteAuth(writer, state.Auth);

        writer.Write(EndMarker);
        Span<byte> checksum = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64LittleEndian(checksum, writer.CurrentHash());
        destination.Write(checksum);
    }

    /// <summary>Reads and verifies a state.</summary>
    /// <param name="source">Where to read from; left open.</param>
    /// <param name="token">Cancels between keys.</param>
    /// <returns>The state; its entries' blocks belong to whoever applies it from here on.</returns>
    /// <exception cref="InvalidDataException">The data is not a complete, intact snapshot.</exception>
    public static StoreState Read(Stream source, CancellationToken token)
    {
        using var reader = new SnapshotBlockReader(source);
        var entries = new List<KeyWithPayload>();
        var complete = false;
        try
        {
            Span<byte> magic = stackalloc byte[Magic.Length];
            reader.ReadExactly(magic);
            var withAuth = magic.SequenceEqual(Magic);
            if (!withAuth && !magic.SequenceEqual(MagicWithoutAuth))
                throw new InvalidDataException("not a Quorum snapshot (bad magic number)");

            var index = reader.ReadInt64();
            var term = reader.ReadInt64();

            var memberCount = ReadCount(reader);
            var members = new List<MemberInfo>((int)Math.Min(memberCount, 1024));
            for (var i = 0L; i < memberCount; i++)
                members.Add(new MemberInfo(reader.ReadString(MaxFieldLength), reader.ReadString(MaxFieldLength), reader.ReadString(MaxFieldLength)));

            var keyCount = ReadCount(reader);
            entries.Capacity = (int)Math.Min(keyCount, 1 << 20);
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
                var revision = ReadCount(reader);
                KeyLease? lease = (revision & 1) == 1 ? new KeyLease(ReadCount(reader), ReadCount(reader)) : null;
                var leaseLength = lease is null ? 0 : KeyLease.EncodedLength;
                var entry = KeyWithPayload.Allocate(keyLength, leaseLength + ReadLength(reader), out var keyBytes, out var payload);
                entries.Add(entry);
                key.AsSpan(0, keyLength).CopyTo(keyBytes);
                lease?.WriteTo(payload);
                reader.ReadExactly(payload[leaseLength..]);
                var record = new KeyRecord(revision >> 1, lease is not null);

                if (entries.Count > 1 && SortedKeyMap<KeyRecord>.Compare(entries[^2].Key, entry.Key) >= 0)
                    throw new InvalidDataException("keys are out of order");

                records.Add(record);
            }

            var history = ReadHistory(reader, index);
            var auth = withAuth ? ReadAuth(reader) : AuthState.Empty;

            Span<byte> endMarker = stackalloc byte[EndMarker.Length];
            reader.ReadExactly(endMarker);
            if (!endMarker.SequenceEqual(EndMarker))
                throw new InvalidDataException("end marker missing");

            var expected = reader.CurrentHash();
            if (reader.ReadInt64() != (long)expected)
                throw new InvalidDataException("checksum mismatch");
            if (!reader.AtEnd())
                throw new InvalidDataException("unexpected bytes after the checksum");

            var state = StoreState.Create(SortedKeyMap<KeyRecord>.FromSorted(entries, records), members, auth, history, index, term);
            complete = true;
            return state;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("file is truncated");
        }
        finally
        {
            // A snapshot that fails half way leaves no blocks behind.
            if (!complete)
            {
                foreach (var entry in entries)
                    entry.Free();
            }
        }
    }

    private static void WriteHistory(SnapshotBlockWriter writer, WatchHistory history)
    {
        writer.WriteVarint(history.FirstRevision);
        var batches = history.Batches.ToList();
        writer.WriteVarint(batches.Count);
        foreach (var batch in batches)
        {
            writer.WriteVarint(batch.Revision);
            writer.WriteVarint(batch.Changes.Count);
            foreach (var change in batch.Changes)
            {
                writer.WriteVarint(change.Kind == KeyChangeKind.Put ? 0 : 1);
                writer.WriteWithLength(change.Key.Span);
                if (change.Kind == KeyChangeKind.Put)
                    writer.WriteWithLength(change.Value.Span);
            }
        }
    }

    private static WatchHistory ReadHistory(SnapshotBlockReader reader, long index)
    {
        var first = ReadCount(reader);
        var batchCount = ReadCount(reader);
        var batches = new List<ChangeBatch>((int)Math.Min(batchCount, 1 << 16));
        var previous = first - 1;
        for (var i = 0L; i < batchCount; i++)
        {
            var revision = ReadCount(reader);
            if (revision <= previous || revision > index)
                throw new InvalidDataException("watch history revisions are out of order");

            previous = revision;
            var changeCount = ReadCount(reader);
            var changes = new KeyChange[(int)Math.Min(changeCount, 1 << 20)];
            if (changes.Length != changeCount)
                throw new InvalidDataException("watch history batch too large");

            for (var c = 0; c < changes.Length; c++)
            {
                var kind = reader.ReadVarint() switch
                {
                    0 => KeyChangeKind.Put,
                    1 => KeyChangeKind.Delete,
                    _ => throw new InvalidDataException("unknown change kind in watch history"),
                };
                var changedKey = ReadBytes(reader);
                var value = kind == KeyChangeKind.Put ? ReadBytes(reader) : [];
                changes[c] = new KeyChange(kind, changedKey, value, revision);
            }

            batches.Add(new ChangeBatch(revision, changes));
        }

        return WatchHistory.Create(batches, first);
    }

    private static byte[] ReadBytes(SnapshotBlockReader reader)
    {
        var bytes = new byte[ReadLength(reader)];
        reader.ReadExactly(bytes);
        return bytes;
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
