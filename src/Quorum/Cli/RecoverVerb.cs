using System.CommandLine;
using System.Globalization;
using Quorum.Store;

namespace Quorum.Cli;

/// <summary>
/// <c>quorum recover --data-dir DIR</c>: the offline disaster-recovery step for a cluster that has
/// lost a majority for good, made by <see cref="SingleNodeRecovery"/>.
/// </summary>
internal static class RecoverVerb
{
    // Required on the command line, with no environment variable or default: the command rewrites
    // the membership of whatever directory it is given, so it must be named on purpose.
    private static readonly Option<string> DataDir = new("--data-dir")
    {
        Description = "the data directory of the ONE surviving node (stopped)",
        HelpName = "DIR",
        Required = true,
    };

    /// <summary>Creates the command.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var command = new Command("recover", "Disaster recovery when most members are lost for good: make the stopped survivor's data directory that of a ONE-node cluster whose only voter is the survivor, keeping every entry its log holds. Then start it with 'quorum serve' (same flags, no --join) and join new nodes to it. Writes the survivor never received are lost; see README.md, 'Disaster recovery'.")
        {
            DataDir,
        };
        command.SetAction(async (result, token) =>
        {
            RecoveryReport report;
            try
            {
                report = await SingleNodeRecovery.RecoverAsync(result.GetRequiredValue(DataDir), token);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"quorum: recovery failed: {e.Message}");
                return ExitCodes.Failed;
            }

            var dropped = report.DroppedMembers.Count > 0 ? string.Join(", ", report.DroppedMembers) : "none";
            var previous = report.PreviousVoters.Count > 0 ? string.Join(", ", report.PreviousVoters) : "none recorded";
            await Console.Out.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"""
                recovered node {report.NodeId} at {report.RaftAddress} as the only voter of a one-node cluster
                voters before: {previous}
                member records dropped: {dropped}
                new term: {report.Term}
                commit index: {report.CommitIndex}
                last log index kept: {report.LastIndexKept} (entries above the commit index are committed at the first election)
                configuration entry: {report.ConfigurationIndex}
                Start it with 'quorum serve' and its usual flags, without --join; then join new nodes to it.
                """));
            return ExitCodes.Success;
        });
        return command;
    }
}
