using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quorum.Chaos;

/// <summary>What a run found; printed as one summary line and, on request, written as JSON.</summary>
internal sealed record ChaosReport
{
    [JsonPropertyName("scenario")]
    public required string Scenario { get; init; }

    [JsonPropertyName("nodes")]
    public required int Nodes { get; init; }

    [JsonPropertyName("seed")]
    public required int Seed { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    [JsonPropertyName("operations")]
    public int Operations { get; init; }

    /// <summary>Gets the fault kinds the run asked for (<c>--nemesis</c>), in schedule order.</summary>
    [JsonPropertyName("nemesis")]
    public IReadOnlyList<string> Nemesis { get; init; } = [];

    /// <summary>Gets how many faults of each kind were injected to their end.</summary>
    [JsonPropertyName("faults")]
    public IReadOnlyDictionary<string, int> Faults { get; init; } = new Dictionary<string, int>();

    /// <summary>Gets how many faults of each kind were proven to have taken effect.</summary>
    [JsonPropertyName("faultsTookEffect")]
    public IReadOnlyDictionary<string, int> FaultsTookEffect { get; init; } = new Dictionary<string, int>();

    /// <summary>Gets how many faults of each kind were skipped for want of a leader to hit.</summary>
    [JsonPropertyName("faultsSkipped")]
    public IReadOnlyDictionary<string, int> FaultsSkipped { get; init; } = new Dictionary<string, int>();

    /// <summary>Gets every fault with its evidence, one line each.</summary>
    [JsonPropertyName("faultRecords")]
    public IReadOnlyList<string> FaultRecords { get; init; } = [];

    /// <summary>Gets how many answers of each kind the clients got (<c>write 200</c>, <c>read 503</c>, <c>cas timeout</c>, ...).</summary>
    [JsonPropertyName("answers")]
    public IReadOnlyDictionary<string, int> Answers { get; init; } = new Dictionary<string, int>();

    /// <summary>Gets the successful reads of the register keys: what the linearizability check rests on.</summary>
    [JsonPropertyName("readsChecked")]
    public int ReadsChecked { get; init; }

    /// <summary>Gets the applied compare-and-sets of the register keys.</summary>
    [JsonPropertyName("compareAndSetsChecked")]
    public int CompareAndSetsChecked { get; init; }

    /// <summary>Gets how many unique writes were certainly refused (503, or no connection), each checked absent at the end.</summary>
    [JsonPropertyName("refusedWrites")]
    public int RefusedWrites { get; init; }

    /// <summary>Gets how many refused unique writes were found applied after all.</summary>
    [JsonPropertyName("refusedWritesApplied")]
    public int RefusedWritesApplied { get; init; }

    /// <summary>Gets how many times a node's Raft watchdog restarted Raft after the known DotNext race.</summary>
    [JsonPropertyName("knownRaceRestarts")]
    public int KnownRaceRestarts { get; init; }

    /// <summary>Gets how many leased keys were written and acknowledged, each then watched until it went.</summary>
    [JsonPropertyName("leaseKeys")]
    public int LeaseKeys { get; init; }

    /// <summary>Gets the answered looks at leased keys, by kind (<c>read</c>, <c>list</c>, <c>watch</c>).</summary>
    [JsonPropertyName("leaseLooks")]
    public IReadOnlyDictionary<string, int> LeaseLooks { get; init; } = new Dictionary<string, int>();

    /// <summary>Gets how many leased keys were seen gone before TTL had passed since their write was sent.</summary>
    [JsonPropertyName("leaseEarlyExpiries")]
    public int LeaseEarlyExpiries { get; init; }

    /// <summary>Gets how many leased keys were seen present past their bound.</summary>
    [JsonPropertyName("leaseLateExpiries")]
    public int LeaseLateExpiries { get; init; }

    /// <summary>Gets how long after acknowledgement + TTL the watch saw keys deleted (p50, p99, max), in milliseconds.</summary>
    [JsonPropertyName("leaseExpiryDelayMs")]
    public IReadOnlyDictionary<string, double> LeaseExpiryDelayMilliseconds { get; init; } = new Dictionary<string, double>();

    /// <summary>Gets the closest any key came to expiring early: the least time between its write's sending + TTL and the watch's delete, in milliseconds.</summary>
    [JsonPropertyName("leaseSmallestMarginMs")]
    public double? LeaseSmallestMarginMilliseconds { get; init; }

    /// <summary>Gets how many changes the watchers saw, each checked against the committed history of the watched prefix.</summary>
    [JsonPropertyName("watchEventsChecked")]
    public int WatchEventsChecked { get; init; }

    /// <summary>Gets how many watchers followed the prefix.</summary>
    [JsonPropertyName("watchers")]
    public int Watchers { get; init; }

    /// <summary>Gets how many times watchers moved to another member (stream ended, broke, refused or went quiet).</summary>
    [JsonPropertyName("watchReconnects")]
    public int WatchReconnects { get; init; }

    /// <summary>Gets how many times a watcher was refused with 410 and restarted from a listing.</summary>
    [JsonPropertyName("watchGone")]
    public int WatchGone { get; init; }

    /// <summary>Gets the revision the reference history starts at (1 when a node kept the whole run's).</summary>
    [JsonPropertyName("watchReferenceFrom")]
    public long WatchReferenceFrom { get; init; }

    /// <summary>Gets whether every watcher's changes matched the committed history; <see langword="null"/> when no watch ran.</summary>
    [JsonPropertyName("watchesMatch")]
    public bool? WatchesMatch { get; init; }

    [JsonPropertyName("linearizable")]
    public bool? Linearizable { get; init; }

    [JsonPropertyName("keysChecked")]
    public int KeysChecked { get; init; }

    [JsonPropertyName("keysUndecided")]
    public int KeysUndecided { get; init; }

    [JsonPropertyName("acknowledgedWrites")]
    public int AcknowledgedWrites { get; init; }

    [JsonPropertyName("acknowledgedWritesLost")]
    public int AcknowledgedWritesLost { get; init; }

    [JsonPropertyName("converged")]
    public bool Converged { get; init; }

    [JsonPropertyName("checks")]
    public IReadOnlyDictionary<string, bool> Checks { get; init; } = new Dictionary<string, bool>();

    [JsonPropertyName("problems")]
    public IReadOnlyList<string> Problems { get; init; } = [];

    [JsonPropertyName("history")]
    public string? History { get; init; }

    [JsonPropertyName("workDirectory")]
    public required string WorkDirectory { get; init; }

    /// <summary>Gets a value indicating that the run found nothing wrong.</summary>
    [JsonPropertyName("passed")]
    public bool Passed => Converged && Problems.Count == 0 && Linearizable != false && AcknowledgedWritesLost == 0 && RefusedWritesApplied == 0 && KeysUndecided == 0 && WatchesMatch != false && Checks.Values.All(static ok => ok);

    /// <summary>The one-line summary.</summary>
    public string SummaryLine()
    {
        // Every kind asked for, with how many were injected / took effect, and how many were skipped.
        var kinds = Nemesis.Concat(Faults.Keys).Concat(FaultsSkipped.Keys).Distinct(StringComparer.Ordinal).ToArray();
        var faults = kinds.Length == 0 ? "none" : string.Join(' ', kinds.Select(k => $"{k}={Faults.GetValueOrDefault(k)}/{FaultsTookEffect.GetValueOrDefault(k)}{(FaultsSkipped.GetValueOrDefault(k) is > 0 and var s ? $",skipped={s}" : string.Empty)}"));
        var linearizable = Linearizable switch { true => "yes", false => "NO", null => "n/a" };
        return $"nodes={Nodes} operations={Operations} reads-checked={ReadsChecked} cas-checked={CompareAndSetsChecked} faults={Faults.Values.Sum()} took-effect={FaultsTookEffect.Values.Sum()} skipped={FaultsSkipped.Values.Sum()} (kind=injected/took-effect: {faults}) linearizable={linearizable} lease-keys={LeaseKeys} lease-early={LeaseEarlyExpiries} lease-late={LeaseLateExpiries} watch-events={WatchEventsChecked} watch-reconnects={WatchReconnects} watches-match={WatchesMatch switch { true => "yes", false => "NO", null => "n/a" }} acknowledged-writes-lost={AcknowledgedWritesLost} refused-writes-applied={RefusedWritesApplied} converged={(Converged ? "yes" : "NO")} problems={Problems.Count} seed={Seed} history={History ?? "-"} log={Path.Combine(WorkDirectory, "run.log")}";
    }

    /// <summary>The report of a proof scenario: its named checks, and what went wrong.</summary>
    public static ChaosReport Proof(ChaosOptions options, IReadOnlyDictionary<string, bool> checks, IReadOnlyList<string> problems) => new()
    {
        Scenario = options.Scenario,
        Nodes = options.Nodes,
        Seed = options.Seed,
        Converged = true,
        Checks = checks,
        Problems = problems,
        WorkDirectory = options.WorkDirectory,
    };

    public string ToJson() => JsonSerializer.Serialize(this, ReportJson.Default.ChaosReport);
}

/// <summary>Source-generated JSON metadata for reports.</summary>
[JsonSerializable(typeof(ChaosReport))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class ReportJson : JsonSerializerContext;
