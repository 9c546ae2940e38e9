using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Quorum.Client;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum status [--json]</c>: asks a member for its status, then every member it lists for
/// theirs, and prints the cluster as a table: each member's role, term, commit and applied index,
/// and, from the leader's status, its match index, its lag behind the leader's commit index and
/// how long ago it last answered the leader. <c>--json</c> prints the statuses themselves, an array
/// in the members' order. A member that does not answer is shown as unreachable; exit code 0 as long
/// as one member answered.
/// </summary>
internal static class StatusVerb
{
    // A member that is down must not hold the whole table up for the client's full request timeout.
    private static readonly TimeSpan MemberTimeout = TimeSpan.FromSeconds(5);

    private static readonly Option<bool> Json = VerbSymbols.Switch("--json", "print each member's GET /status answer, as a JSON array, instead of a table");

    private static readonly string[] Header = ["ID", "ROLE", "TERM", "COMMIT", "APPLIED", "MATCH", "LAG", "LAST CONTACT"];

    /// <summary>Creates the verb's command.</summary>
    /// <returns>The command.</returns>
    public static Command Create() => ClientVerbs.Create("status", "Print the cluster: each member's role, term, commit and applied index, and as the leader sees it, its match index, lag and last contact.", [Json], RunAsync);

    private static async Task<int> RunAsync(ParseResult arguments, ClientSession session, CancellationToken token)
    {
        var asked = await session.Client.GetStatusAsync(token);
        var statuses = new List<(Member Member, NodeStatus? Status)>();
        foreach (var member in asked.Members)
            statuses.Add((member, member.Id == asked.Id ? asked : await TryGetStatusAsync(member, session.Options, token)));

        var output = session.Console.Out;
        if (arguments.GetValue(Json))
        {
            NodeStatus[] answered = [.. statuses.Select(static s => s.Status).OfType<NodeStatus>()];
            await output.WriteLineAsync(JsonSerializer.Serialize(answered, CliJson.Output.NodeStatusArray));
            return ExitCodes.Success;
        }

        var leader = statuses.Select(static s => s.Status).FirstOrDefault(static s => s?.State == "leader");
        var rows = new List<string[]> { Header };
        rows.AddRange(statuses.Select(s => Row(s.Member, s.Status, leader)));
        foreach (var row in rows)
            await output.WriteLineAsync(Format(row, rows));

        return ExitCodes.Success;
    }

    private static async Task<NodeStatus?> TryGetStatusAsync(Member member, QuorumClientOptions options, CancellationToken token)
    {
        if (!Uri.TryCreate(member.Http, UriKind.Absolute, out var url))
            return null;

        using var client = new QuorumClient([url], options) { RequestTimeout = MemberTimeout };
        try
        {
            return await client.GetStatusAsync(token);
        }
        catch (Exception e) when (e is QuorumClientException or HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
        {
            return null;
        }
    }

    private static string[] Row(Member member, NodeStatus? status, NodeStatus? leader)
    {
        if (status is null)
            return [member.Id, "unreachable", "-", "-", "-", .. Replication(member.Id, leader)];

        return [member.Id, status.State, Number(status.Term), Number(status.CommitIndex), Number(status.AppliedIndex), .. Replication(member.Id, leader)];
    }

    // The leader's own row has no replication columns: it is where the others are measured from.
    private static string[] Replication(string id, NodeStatus? leader)
    {
        if (leader?.Replication.FirstOrDefault(f => f.Id == id) is not { } follower)
            return ["-", "-", "-"];

        var match = follower.MatchIndex is { } index ? Number(index) : "?";
        var lag = follower.MatchIndex is { } known ? Number(Math.Max(0, leader.CommitIndex - known)) : "?";
        var contact = follower.SinceLastContactMs is { } ms ? $"{Number(ms)}ms ago" : "never";
        return [match, lag, contact];
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(string[] row, List<string[]> rows)
        => string.Join("  ", row.Select((cell, column) => cell.PadRight(rows.Max(r => r[column].Length)))).TrimEnd();
}
