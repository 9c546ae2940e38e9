using System.Text;
using Quorum.Client;
using Quorum.Server.Http;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum put KEY [VALUE|-] [--if-revision N | --create] [--ttl D]</c>: sets a key to VALUE
/// (as UTF-8), or to standard input's bytes when VALUE is <c>-</c> or left out, and prints the
/// write's revision. A failed condition is exit code 4, with the key's current revision on standard error.
/// </summary>
internal static class PutVerb
{
    /// <summary>Gets the verb.</summary>
    public static ClientVerb Definition { get; } = new("put", ["--if-revision", "--ttl"], ["--create"], RunAsync);

    private static async Task<int> RunAsync(VerbArguments arguments, ClientSession session, CancellationToken token)
    {
        arguments.ExpectArguments(1, 2);
        var key = arguments.Key(0);
        var ifRevision = arguments.Number("--if-revision", 0);
        var create = arguments.Has("--create");
        if (create && ifRevision is not null)
            throw new UsageException("put: give --create or --if-revision, not both");

        TimeSpan? ttl = null;
        if (arguments.Value("--ttl") is { } ttlText)
        {
            ttl = DurationText.TryParse(ttlText, out var parsed)
                ? parsed
                : throw new UsageException($"put: --ttl must be a positive duration such as 500ms, 30s, 5m or 1h; got '{ttlText}'");
        }

        var value = arguments.Argument(1) is { } text and not "-"
            ? Encoding.UTF8.GetBytes(text)
            : await session.Console.ReadInputAsync(token);

        var revision = await session.Client.PutAsync(key, value, new PutOptions(ifRevision, create, ttl), token);
        await session.Console.Out.WriteLineAsync(revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ExitCodes.Success;
    }
}
