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

    /// <summary>Gets the verb.</summary>
    public static ClientVerb Definition { get; } = new("ls", ["--limit", "--after"], ["--stale", "--values", "--json"], RunAsync);

    private static async Task<int> RunAsync(VerbArguments arguments, ClientSession session, CancellationToken token)
    {
        arguments.ExpectArguments(0, 1);
        var prefix = arguments.Argument(0) ?? string.Empty;
        var remaining = arguments.Number("--limit", 1) ?? long.MaxValue;
        var after = arguments.Value("--after");
        var consistency = arguments.Has("--stale") ? Consistency.Stale : Consistency.Linearizable;
        var values = arguments.Has("--values");
        var json = arguments.Has("--json");
        var output = session.Console.Out;

        // Each page is read at its own revision: a listing of several pages is not one snapshot.
        while (true)
        {
            var page = await session.Client.ListAsync(prefix, (int)Math.Min(remaining, PageSize), after, consistency, token);
            foreach (var item in page.Items)
            {
                if (json)
                    await output.WriteLineAsync(JsonSerializer.Serialize(new KeyLine(item.Key, item.Value, item.Revision), CliJson.Output.KeyLine));
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
