using System.Buffers;
using System.Text;

namespace Quorum.Store.Commands;

/// <summary>
/// The binary form of a log entry's payload: a batch of commands.
/// </summary>
/// <remarks>
/// Layout: a format byte (1), the number of commands as an unsigned LEB128 varint, then each
/// command as a kind byte followed by its fields. Byte strings and UTF-8 strings are a varint
/// length followed by the bytes. A batch lets several client writes share one log entry
/// (group commit). A plain put or delete keeps its original short kind; one with a precondition
/// or a lease takes a longer kind, so logs written before those existed still read.
/// </remarks>
internal static partial class CommandCodec
{
    private const byte FormatVersion = 1;

    private enum Kind : byte
    {
        Put = 1,
        Delete = 2,
        PutWith = 3,
        DeleteIf = 4,
        Expire = 5,
        Txn = 6,
        SetMember = 16,
        RemoveMember = 17,
        PutUser = 32,
        DeleteUser = 33,
        PutRole = 34,
        DeleteRole = 35,
        SetAuthEnabled = 36,
    }

    /// <summary>Encodes a batch of commands as one log entry payload.</summary>
    /// <param name="commands">The commands, in the order they must be applied.</param>
    /// <returns>The payload.</returns>
    public static byte[] Encode(IReadOnlyList<Command> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var writer = new ArrayBufferWriter<byte>(64);
        writer.Write([FormatVersion]);
        WriteVarint(writer, (ulong)commands.Count);
        foreach (var command in commands)
        {
            switch (command)
            {
                case PutCommand { Condition.Kind: PreconditionKind.None, Lease: null } put:
                    WriteKind(writer, Kind.Put);
                    WriteBytes(writer, put.Key);
                    WriteBytes(writer, put.Value);
                    break;
                case PutCommand put:
                    WriteKind(writer, Kind.PutWith);
                    WriteBytes(writer, put.Key);
                    WriteBytes(writer, put.Value);
                    WriteCondition(writer, put.Condition);
                    WriteLease(writer, put.Lease);
                    break;
                case DeleteCommand { Condition.Kind: PreconditionKind.None } delete:
                    WriteKind(writer, Kind.Delete);
                    WriteBytes(writer, delete.Key);
                    break;
                case DeleteCommand delete:
                    WriteKind(writer, Kind.DeleteIf);
                    WriteBytes(writer, delete.Key);
                    WriteCondition(writer, delete.Condition);
                    break;
                case ExpireCommand expire:
                    WriteKind(writer, Kind.Expire);
                    WriteBytes(writer, expire.Key);
                    WriteVarint(writer, (ulong)expire.Revision);
                    break;
                case TxnCommand txn:
                    WriteKind(writer, Kind.Txn);
                    WriteTxn(writer, txn);
                    break;
                case SetMemberCommand setMember:
                    WriteKind(writer, Kind.SetMember);
                    WriteString(writer, setMember.Member.Id);
                    WriteString(writer, setMember.Member.RaftAddress);
                    WriteString(writer, setMember.Member.HttpAddress);
                    break;
                case RemoveMemberCommand removeMember:
                    WriteKind(writer, Kind.RemoveMember);
                    WriteString(writer, removeMember.Id);
                    break;
                default:
                    if (!TryWriteAuth(writer, command))
                        throw new ArgumentException($"Unknown command type {command.GetType().Name}.", nameof(commands));
                    break;
            }
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a log entry payload.</summary>
    /// <param name="payload">The payload, possibly split across several memory segments.</param>
    /// <returns>The commands.</returns>
    /// <exception cref="InvalidDataException">The payload is not a valid batch.</exception>
    public static IReadOnlyList<Command> Decode(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        if (!reader.TryRead(out var version) || version != FormatVersion)
            throw new InvalidDataException($"Unsupported log entry format {version}.");

        var count = ReadLength(ref reader);
        var commands = new List<Command>(Math.Min(count, 1024));
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryRead(out var kind))
                throw Truncated();

            commands.Add((Kind)kind switch
            {
                Kind.Put => new PutCommand(ReadBytes(ref reader), ReadBytes(ref reader)),
                Kind.Delete => new DeleteCommand(ReadBytes(ref reader)),
                Kind.PutWith => new PutCommand(ReadBytes(ref reader), ReadBytes(ref reader), ReadCondition(ref reader), ReadLease(ref reader)),
                Kind.DeleteIf => new DeleteCommand(ReadBytes(ref reader), ReadCondition(ref reader)),
                Kind.Expire => new ExpireCommand(ReadBytes(ref reader), ReadRevision(ref reader)),
                Kind.Txn => ReadTxn(ref reader),
                Kind.SetMember => new SetMemberCommand(new MemberInfo(ReadString(ref reader), ReadString(ref reader), ReadString(ref reader))),
                Kind.RemoveMember => new RemoveMemberCommand(ReadString(ref reader)),
                Kind.PutUser or Kind.DeleteUser or Kind.PutRole or Kind.DeleteRole or Kind.SetAuthEnabled => ReadAuth((Kind)kind, ref reader),
                _ => throw new InvalidDataException($"Unknown command kind {kind} in log entry."),
            });
        }

        if (!reader.End)
            throw new InvalidDataException("Log entry has trailing bytes after its commands.");

        return commands;
    }

    private static void WriteCondition(ArrayBufferWriter<byte> writer, Precondition condition)
    {
        writer.Write([(byte)condition.Kind]);
        if (condition.Kind == PreconditionKind.Revision)
            WriteVarint(writer, (ulong)condition.Revision);
    }

    private static void WriteLease(ArrayBufferWriter<byte> writer, KeyLease? lease)
    {
        writer.Write([lease is null ? (byte)0 : (byte)1]);
        if (lease is { } l)
        {
            WriteVarint(writer, (ulong)l.TtlMilliseconds);
            WriteVarint(writer, (ulong)l.GrantedAtUnixMilliseconds);
        }
    }

    // Compares: a varint count, then per compare the key, a form byte (1 revision, 2 value) and the
    // revision or value. Each branch: a varint count, then per step a kind byte and its fields.
    private static void WriteTxn(ArrayBufferWriter<byte> writer, TxnCommand txn)
    {
        WriteVarint(writer, (ulong)txn.Compares.Count);
        foreach (var compare in txn.Compares)
        {
            WriteBytes(writer, compare.Key);
            if (compare.Revision is { } revision)
            {
                writer.Write([(byte)1]);
                WriteVarint(writer, (ulong)revision);
            }
            else
            {
                writer.Write([(byte)2]);
                WriteBytes(writer, compare.Value ?? []);
            }
        }

        WriteSteps(writer, txn.Success);
        WriteSteps(writer, txn.Failure);
    }

    private static void WriteSteps(ArrayBufferWriter<byte> writer, IReadOnlyList<TxnStep> steps)
    {
        WriteVarint(writer, (ulong)steps.Count);
        foreach (var step in steps)
        {
            writer.Write([(byte)step.Kind]);
            WriteBytes(writer, step.Key);
            if (step.Kind == TxnOperationKind.Put)
            {
                WriteBytes(writer, step.Value ?? []);
                WriteLease(writer, step.Lease);
            }
        }
    }

    private static void WriteKind(ArrayBufferWriter<byte> writer, Kind kind) => writer.Write([(byte)kind]);

    private static void WriteVarint(ArrayBufferWriter<byte> writer, ulong value)
    {
        Span<byte> buffer = stackalloc byte[10];
        var length = 0;
        while (value >= 0x80)
        {
            buffer[length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[length++] = (byte)value;
        writer.Write(buffer[..length]);
    }

    private static void WriteBytes(ArrayBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        WriteVarint(writer, (ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteString(ArrayBufferWriter<byte> writer, string value) => WriteBytes(writer, Encoding.UTF8.GetBytes(value));

    private static ulong ReadVarint(ref SequenceReader<byte> reader)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
                throw Truncated();

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return result;
        }

        throw new InvalidDataException("Malformed varint in log entry.");
    }

    private static int ReadLength(ref SequenceReader<byte> reader)
    {
        var length = ReadVarint(ref reader);
        if (length > (ulong)reader.Remaining)
            throw Truncated();

        return (int)length;
    }

    private static byte[] ReadBytes(ref SequenceReader<byte> reader)
    {
        var length = ReadLength(ref reader);
        var bytes = new byte[length];
        if (!reader.TryCopyTo(bytes))
            throw Truncated();

        reader.Advance(length);
        return bytes;
    }

    private static string ReadString(ref SequenceReader<byte> reader) => Encoding.UTF8.GetString(ReadBytes(ref reader));

    private static long ReadRevision(ref SequenceReader<byte> reader)
    {
        var value = ReadVarint(ref reader);
        return value <= long.MaxValue ? (long)value : throw new InvalidDataException("Revision out of range in log entry.");
    }

    private static byte ReadByte(ref SequenceReader<byte> reader) => reader.TryRead(out var b) ? b : throw Truncated();

    private static Precondition ReadCondition(ref SequenceReader<byte> reader) => (PreconditionKind)ReadByte(ref reader) switch
    {
        PreconditionKind.None => Precondition.None,
        PreconditionKind.Absent => Precondition.Absent,
        PreconditionKind.Exists => Precondition.Exists,
        PreconditionKind.Revision => Precondition.AtRevision(ReadRevision(ref reader)),
        var kind => throw new InvalidDataException($"Unknown precondition {kind} in log entry."),
    };

    private static KeyLease? ReadLease(ref SequenceReader<byte> reader) => ReadByte(ref reader) switch
    {
        0 => null,
        1 => new KeyLease(ReadRevision(ref reader), ReadRevision(ref reader)),
        var flag => throw new InvalidDataException($"Unknown lease flag {flag} in log entry."),
    };

    private static TxnCommand ReadTxn(ref SequenceReader<byte> reader)
    {
        var count = ReadLength(ref reader);
        var compares = new List<TxnCondition>(count);
        for (var i = 0; i < count; i++)
        {
            var key = ReadBytes(ref reader);
            compares.Add(ReadByte(ref reader) switch
            {
                1 => new TxnCondition(key, ReadRevision(ref reader), null),
                2 => new TxnCondition(key, null, ReadBytes(ref reader)),
                var form => throw new InvalidDataException($"Unknown compare form {form} in log entry."),
            });
        }

        return new TxnCommand(compares, ReadSteps(ref reader), ReadSteps(ref reader));
    }

    private static List<TxnStep> ReadSteps(ref SequenceReader<byte> reader)
    {
        var count = ReadLength(ref reader);
        var steps = new List<TxnStep>(count);
        for (var i = 0; i < count; i++)
        {
            var kind = (TxnOperationKind)ReadByte(ref reader);
            var key = ReadBytes(ref reader);
            steps.Add(kind switch
            {
                TxnOperationKind.Put => new TxnStep(kind, key, ReadBytes(ref reader), ReadLease(ref reader)),
                TxnOperationKind.Delete or TxnOperationKind.Get => new TxnStep(kind, key),
                _ => throw new InvalidDataException($"Unknown transaction step {kind} in log entry."),
            });
        }

        return steps;
    }

    private static InvalidDataException Truncated() => new("Log entry is truncated.");
}
