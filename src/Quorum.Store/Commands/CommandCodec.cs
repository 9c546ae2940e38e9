using System.Buffers;
using System.Text;

namespace Quorum.Store.Commands;

/// <summary>
/// The binary form of a log entry's payload: a batch of commands.
/// </summary>
/// <remarks>
/// Layout: a format byte (1), the number of commands as an unsigned LEB128 varint, then each
/// command as a kind byte followed by its fields. Byte strings and UTF-8 strings are a varint
/// length followed by the bytes. A batch lets several client writes share one log entry later
/// (group commit) without changing the format.
/// </remarks>
internal static class CommandCodec
{
    private const byte FormatVersion = 1;

    private enum Kind : byte
    {
        Put = 1,
        Delete = 2,
        SetMember = 16,
        RemoveMember = 17,
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
                case PutCommand put:
                    WriteKind(writer, Kind.Put);
                    WriteBytes(writer, put.Key);
                    WriteBytes(writer, put.Value);
                    break;
                case DeleteCommand delete:
                    WriteKind(writer, Kind.Delete);
                    WriteBytes(writer, delete.Key);
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
                    throw new ArgumentException($"Unknown command type {command.GetType().Name}.", nameof(commands));
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
                Kind.SetMember => new SetMemberCommand(new MemberInfo(ReadString(ref reader), ReadString(ref reader), ReadString(ref reader))),
                Kind.RemoveMember => new RemoveMemberCommand(ReadString(ref reader)),
                _ => throw new InvalidDataException($"Unknown command kind {kind} in log entry."),
            });
        }

        if (!reader.End)
            throw new InvalidDataException("Log entry has trailing bytes after its commands.");

        return commands;
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

    private static InvalidDataException Truncated() => new("Log entry is truncated.");
}
