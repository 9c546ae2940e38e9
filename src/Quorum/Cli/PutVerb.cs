using System.CommandLine;
using System.Text;
using Quorum.Client;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum put KEY [VALUE|-] [--if-revision N | --create] [--ttl D]</c>: sets a key to VALUE
/// (as UTF-8), or to standard input's bytes when VALUE is <c>-</c> or left out, and prints the
/// write's revision. A failed condition is exit code 4, with the key's current revision on standard error.
/// </summary>
internal static class PutVerb
{
    private static readonly Argument<string> Key = VerbSymbols.Key();
    private static readonly Argument<string?> Value = VerbSymbols.Optional("VALUE", "the value as UTF-8; '-' or left out: standard input's bytes");
    private static readonly Option<long?> IfRevision = VerbSymbols.Number("--if-revision", 0, "only if the key is at revision N (0: absent); exit code 4 when not");
    private static readonly Option<bool> CreateOnly = VerbSymbols.Switch("--create", "only if the key is absent; exit code 4 when not");
    private static readonly Option<TimeSpan?> Ttl = VerbSymbols.Duration("--ttl", "the key expires D after the write is applied (500ms, 30s, 5m, 1h)");

    /// <summary>Creates the verb's command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var command = ClientVerbs.Create("put", "Set KEY to VALUE and print the write's revision.", [Key, Value, IfRevision, CreateOnly, Ttl], RunAsync);
        VerbSymbols.OneOf(command, CreateOnly, IfRevision);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult arguments, ClientSession session, CancellationToken token)
    {
        var key = arguments.GetRequiredValue(Key);
        var ifRevision = arguments.GetValue(IfRevision);
        var create = arguments.GetValue(CreateOnly);
        var ttl = arguments.GetValue(Ttl);
        var value = arguments.GetValue(Value) is { } text and not "-"
            ? Encoding.UTF8.GetBytes(text)
            : await session.Console.ReadInputAsync(token);

        var revision = await session.Client.PutAsync(key, value, new PutOptions(ifRevision, create, ttl), token);
        await session.Console.Out.WriteLineAsync(revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ExitCodes.Success;
    }
}
