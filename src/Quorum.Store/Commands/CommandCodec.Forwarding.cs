using System.Buffers;
using Quorum.Store.Auth;

namespace Quorum.Store.Commands;

/// <summary>
/// The binary form of the commands a follower forwards to the leader, and of the leader's answers.
/// </summary>
/// <remarks>
/// Commands: a format byte (1), a varint count, then per command its caller (a byte: 0 anonymous,
/// 1 a user, 2 a node; a name follows the last two) and the command as in a log entry. Answers: a
/// format byte (1), a varint count, then per command a <see cref="ForwardedStatus"/> byte and either
/// the outcome (revision, a precondition-held byte, the key's revision then) or a message.
/// </remarks>
internal static partial class CommandCodec
{
    private const byte ForwardedFormatVersion = 1;

    /// <summary>Encodes commands for the leader.</summary>
    /// <param name="commands">The commands and their callers.</param>
    /// <returns>The request body.</returns>
    public static byte[] EncodeForwarded(IReadOnlyList<ForwardedCommand> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var writer = new ArrayBufferWriter<byte>(256);
        writer.Write([ForwardedFormatVersion]);
        WriteVarint(writer, (ulong)commands.Count);
        foreach (var (command, caller) in commands)
        {
            writer.Write([caller is null ? (byte)0 : caller.IsNode ? (byte)2 : (byte)1]);
            if (caller is not null)
                WriteString(writer, caller.Name);
            WriteCommand(writer, command);
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes the commands a follower forwarded.</summary>
    /// <param name="body">The request body.</param>
    /// <returns>The commands and their callers.</returns>
    /// <exception cref="InvalidDataException">The body is not valid.</exception>
    public static IReadOnlyList<ForwardedCommand> DecodeForwarded(ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        if (!reader.TryRead(out var version) || version != ForwardedFormatVersion)
            throw new InvalidDataException($"Unsupported forwarded-commands format {version}.");

        var count = ReadLength(ref reader);
        var commands = new List<ForwardedCommand>(Math.Min(count, 1024));
        for (var i = 0; i < count; i++)
        {
            var caller = ReadByte(ref reader) switch
            {
                0 => null,
                1 => new Identity(ReadString(ref reader)),
                2 => new Identity(ReadString(ref reader), IsNode: true),
                var flag => throw new InvalidDataException($"Unknown caller flag {flag} in forwarded commands."),
            };
            commands.Add(new ForwardedCommand(ReadCommand(ref reader), caller));
        }

        if (!reader.End)
            throw new InvalidDataException("Forwarded commands have trailing bytes.");

        return commands;
    }

    /// <summary>Encodes the leader's answers, one per forwarded command, in the same order.</summary>
    /// <param name="results">The answers.</param>
    /// <returns>The response body.</returns>
    public static byte[] EncodeForwardedResults(IReadOnlyList<ForwardedResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var writer = new ArrayBufferWriter<byte>(16 + (results.Count * 8));
        writer.Write([ForwardedFormatVersion]);
        WriteVarint(writer, (ulong)results.Count);
        foreach (var result in results)
        {
            writer.Write([(byte)result.Status]);
            if (result.Status == ForwardedStatus.Applied)
            {
                WriteVarint(writer, (ulong)result.Outcome.Revision);
                writer.Write([result.Outcome.Applied ? (byte)1 : (byte)0]);
                WriteVarint(writer, (ulong)result.Outcome.CurrentRevision);
            }
            else
            {
                WriteString(writer, result.Message);
            }
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes the leader's answers.</summary>
    /// <param name="body">The response body.</param>
    /// <returns>The answers, in the order of the commands.</returns>
    /// <exception cref="InvalidDataException">The body is not valid.</exception>
    public static IReadOnlyList<ForwardedResult> DecodeForwardedResults(ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        if (!reader.TryRead(out var version) || version != ForwardedFormatVersion)
            throw new InvalidDataException($"Unsupported forwarded-answers format {version}.");

        var count = ReadLength(ref reader);
        var results = new List<ForwardedResult>(count);
        for (var i = 0; i < count; i++)
        {
            var status = (ForwardedStatus)ReadByte(ref reader);
            results.Add(status == ForwardedStatus.Applied
                ? new ForwardedResult(status, new CommandOutcome(ReadRevision(ref reader), ReadByte(ref reader) == 1, ReadRevision(ref reader)))
                : new ForwardedResult(status, Message: ReadString(ref reader)));
        }

        if (!reader.End)
            throw new InvalidDataException("Forwarded answers have trailing bytes.");

        return results;
    }
}
