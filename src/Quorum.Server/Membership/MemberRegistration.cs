using System.Net.Http.Json;
using Polly;
using Polly.Retry;
using Quorum.Server.Forwarding;
using Quorum.Server.Http;
using Quorum.Store;

namespace Quorum.Server.Membership;

/// <summary>
/// Makes sure the cluster knows this node. A node started with an empty data directory and
/// <c>--join</c> asks the given members, in turn and with backoff, to add it until one accepts and
/// it has seen itself in the cluster's latest configuration. A
/// member whose addresses the replicated member table lacks or has wrong (the bootstrap node, a
/// node added by hand without its HTTP address, a node restarted with a new HTTP address) records
/// them through the leader.
/// </summary>
/// <param name="store">The local store.</param>
/// <param name="client">The node-to-node HTTP client.</param>
/// <param name="seeds">The base URLs of members to join through.</param>
/// <param name="logger">The logger.</param>
internal sealed partial class MemberRegistration(QuorumStore store, NodeClient client, IReadOnlyList<string> seeds, ILogger<MemberRegistration> logger)
    : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(75);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var untilSettled = CreateUntilSettledPipeline();
        try
        {
            while (true)
            {
                await untilSettled.ExecuteAsync(static async (registration, token) => await registration.StepAsync(token), this, stoppingToken);
                await Task.Delay(CheckInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // Runs a step again while it has more to do or fails: after 200 ms, then longer, up to 5 s.
    private ResiliencePipeline<bool> CreateUntilSettledPipeline() => new ResiliencePipelineBuilder<bool>()
        .AddRetry(new RetryStrategyOptions<bool>
        {
            ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
            {
                { Exception: QuorumException or HttpRequestException } => true,
                { Exception: OperationCanceledException } => !args.Context.CancellationToken.IsCancellationRequested,
                { Exception: null, Result: false } => true,
                _ => false,
            }),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = FirstRetry,
            MaxDelay = LongestRetry,
            UseJitter = true,
            OnRetry = args =>
            {
                if (args.Outcome.Exception is { } e)
                    LogRegistrationFailed(e.Message);
                return default;
            },
        })
        .Build();

    // Returns true when there is nothing (more) to do for now.
    private async Task<bool> StepAsync(CancellationToken token)
    {
        if (store.NeedsJoin)
        {
            // A joining node asks (adding a member is idempotent on the leader) until it has seen
            // itself in the cluster's latest configuration. Whether it is a member part-way through
            // receiving the log decides nothing: the log may hold its own earlier removal, from
            // before its disk was replaced, followed by the addition it asked for. A node that
            // looks like a member already (added by an operator, or an earlier request) only checks.
            if ((!store.IsMember && !await TryJoinAsync(token)) || !await store.ConfirmMembershipAsync(token))
                return false;

            LogConfirmed();
        }

        // A node that is no longer a member after that was removed, and must stay out: asking
        // again would undo the removal a moment later.
        if (!store.IsMember)
            return true;

        if (store.Leader is not { } leader)
            return false;

        var self = store.Self;
        if (store.FindMember(self.Id) == self)
            return true;

        if (store.IsLeader)
            await store.AddMemberAsync(self, force: false, token);
        else if (leader.HttpAddress.Length == 0 || !await PostJoinAsync(leader.HttpAddress, token))
            return false;

        LogRegistered(self.RaftAddress, self.HttpAddress);
        return true;
    }

    private async Task<bool> TryJoinAsync(CancellationToken token)
    {
        if (seeds.Count == 0)
        {
            LogNoSeeds();
            return false;
        }

        foreach (var seed in seeds)
        {
            try
            {
                if (await PostJoinAsync(seed, token))
                {
                    LogJoined(seed);
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !token.IsCancellationRequested)
            {
                LogJoinFailed(seed, e.Message);
            }
        }

        return false;
    }

    private async Task<bool> PostJoinAsync(string baseUrl, CancellationToken token)
    {
        var self = store.Self;
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl.TrimEnd('/') + "/raft/add")
        {
            Content = JsonContent.Create(new JoinRequest(self.Id, self.RaftAddress, self.HttpAddress), ApiJsonContext.Api.JoinRequest),
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(JoinTimeout);

        // Sent as an ordinary client request, not marked as forwarded: the member asked may have to
        // forward it to the leader.
        using var response = await client.SendUnmarkedAsync(request, timeout.Token);
        if (response.IsSuccessStatusCode)
            return true;

        LogJoinFailed(baseUrl, await NodeClient.ReadErrorAsync(response, token));
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Joined the cluster through {Seed}")]
    private partial void LogJoined(string seed);

    [LoggerMessage(Level = LogLevel.Information, Message = "This node is a member of its cluster's latest configuration")]
    private partial void LogConfirmed();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Asking {Seed} to add this node failed: {Reason}; will retry")]
    private partial void LogJoinFailed(string seed, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This node waits to be added to a cluster, but no --join URL was given")]
    private partial void LogNoSeeds();

    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded this node's addresses in the member table: raft {Raft}, http {Http}")]
    private partial void LogRegistered(string raft, string http);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording this node's addresses failed: {Reason}; will retry")]
    private partial void LogRegistrationFailed(string reason);
}
