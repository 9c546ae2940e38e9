using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Quorum.Client;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum ls [PREFIX] [--limit N] [--after K] [--stale] [--values] [--json]</c>: lists the keys
/// under a prefix in byte order, one per line: <c>KEY&lt;tab&gt;REVISION</c>, with
/// <c>&lt;tab&gt;VALUE</c> (see <see cref="ValueText"/>) when asked for <c>--values</c>, or the
/// contract's item <c>{"key":K,"value":BASE64,"revision":N}</c> with <c>--json</c>. Without
/// <c>--limit</c> it pages through every key; with it, it stops after N keys and says on standard
/// error how to go on when more follow.
/// </summary>
internal static class ListVerb
{
    private const int PageSize = 1000;

    private static readonly Argument<string?> Prefix = VerbSymbols.Optional("PREFIX", "list the keys that start with it (default: every key)");
    private static readonly Option<long?> Limit = VerbSymbols.Number("--limit", 1, "stop after N keys (default: every key)");
    private static readonly Option<string> After = new("--after") { Description = "start after this key", HelpName = "KEY" };
    private static readonly Option<bool> Stale = VerbSymbols.Switch("--stale", "read the member's own replica, which may lag");
    private static readonly Option<bool> Values = VerbSymbols.Switch("--values", "add <tab>VALUE to each line");
    private static readonly Option<bool> Json = VerbSymbols.Switch("--json", "print {\"key\":K,\"value\":BASE64,\"revision\":N} lines");

    /// <summary>Creates the verb's command.</summary>
    /// <returns>The command.</returns>
    public static Command Create() => ClientVerbs.Create("ls", "List the keys under PREFIX in byte order, one per line: KEY<tab>REVISION.", [Prefix, Limit, After, Stale, Values, Json], RunAsync);

    private static async Task<int> RunAsync(ParseResult arguments, ClientSession session, CancellationToken token)
    {
        var prefix = arguments.GetValue(Prefix) ?? string.Empty;
        var remaining = arguments.GetValue(Limit) ?? long.MaxValue;
        var after = arguments.GetValue(After);
        var consistency = arguments.GetValue(Stale) ? Consistency.Stale : Consistency.Linearizable;
        var values = arguments.GetValue(Values);
        var json = arguments.GetValue(Json);
        var output = session.Console.Out;

        // Each page is read at its own revision: a listing of several pages is not one snapshot.
        while (true)
        {
            var page = await session.Client.ListAsync(prefix, (int)Math.Min(remaining, PageSize), after, consistency, token);
            foreach (var item in page.Items)
            {
                if (json)
                    await output.WriteLineAsync(JsonSerializer.Serialize(item, CliJson.Output.KeyItem));
                else if (values)
                    await output.WriteLineAsync($"{item.Key}\t{item.Revision.ToString(CultureInfo.InvariantCulture)}\t{ValueText.Show(item.Value)}");
                else
                    await output.WriteLineAsync($"{item.Key}\t{item.Revision.ToString(CultureInfo.InvariantCulture)}");
            }

            remaining -= page.Items.Count;
            if (!page.More || page.Items.Count == 0)
                return ExitCodes.Success;

            after = page.Items[^1].Key;
            if (remaining <= 0)
            {
                await output.FlushAsync(token);
                await session.Console.Error.WriteLineAsync($"quorum: more keys follow; go on with --after '{after}'");
                return ExitCodes.Success;
            }
        }
    }
}
