using System.CommandLine;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Quorum.Logging;
using Quorum.Server;
using Quorum.Server.Forwarding;
using Quorum.Server.Metrics;
using Quorum.Server.Tls;
using Quorum.Store;
using Quorum.Store.Auth;

namespace Quorum.Serve;

/// <summary>
/// <c>quorum serve</c>: runs one node until SIGTERM or Ctrl-C, then stops accepting requests,
/// finishes those in flight, flushes the log, releases the data directory and exits 0.
/// </summary>
internal static partial class ServeCommand
{
    private static readonly TimeSpan StepDownTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Creates the <c>serve</c> command: its flags (<see cref="ServeFlags"/>) and its action.</summary>
    /// <returns>The command.</returns>
    public static Command Create()
    {
        var command = new Command("serve", "Run one node until SIGTERM or Ctrl-C. Every flag can also be set by its environment variable; the flag wins. With no data and no --join, the node bootstraps a new one-node cluster and leads it. Exit codes: 0 clean stop, 1 bad configuration or unusable data directory, 2 usage error.");
        foreach (var flag in ServeFlags.All)
            command.Options.Add(flag.Option);

        // The node handles SIGTERM and Ctrl-C itself (a graceful stop), so the token is not used.
        command.SetAction((result, _) => RunAsync(ServeSettings.Read(result, Environment.GetEnvironmentVariable)));
        return command;
    }

    private static async Task<int> RunAsync(ServeSettings settings)
    {
        var storeOptions = settings.Store;
        var nodeId = storeOptions.NodeId!;

        using var loggerFactory = CreateLoggerFactory(nodeId, settings.LogLevel);
        var logger = loggerFactory.CreateLogger("Quorum.Serve");
        if (storeOptions.SkipReadBarrier)
            LogPlantedBug(logger, ServeSettings.PlantedBugVariable);
        if (storeOptions.SkipReadIndexQuorumRound)
            LogPlantedQuorumRoundBug(logger, ServeSettings.PlantedQuorumRoundBugVariable);

        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);

        NodeTls tls;
        try
        {
            tls = NodeTls.Load(settings.Tls, loggerFactory);
        }
        catch (TlsFileException e)
        {
            throw new ConfigurationException(e.Message);
        }

        using var disposeTls = tls;
        using var metrics = NodeMetrics.Start();
        if (settings.OtlpEndpoint is { } otlp)
            metrics.PushOtlp(otlp, nodeId);
        storeOptions = storeOptions with { PeerTls = tls.RaftOptions(), Metrics = metrics.Store };
        using var client = new NodeClient(nodeId, tls.NodeClientOptions());
        QuorumStore store;
        try
        {
            store = await QuorumStore.OpenAsync(storeOptions, client, loggerFactory, stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new ConfigurationException($"The Raft port {storeOptions.RaftEndPoint} is already in use; choose another --raft-port.");
        }

        await using (store)
        {
            // Without peer certificates, a node proves itself to the others with a token signed by the cluster's key.
            client.NodeAuthorization = () => store.Auth is { Enabled: true } auth && auth.IssueToken(new Identity(nodeId, IsNode: true), DateTimeOffset.UtcNow.AddMinutes(1)) is { } token
                ? "Bearer " + token
                : null;
            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = QuorumServer.Build(store, client, new ServerOptions { HttpEndPoint = settings.HttpEndPoint, JoinUrls = settings.JoinUrls, Tls = tls, AuditLogPath = settings.AuditLogPath, Metrics = metrics, Backups = settings.Backups }, loggerFactory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"The audit log {settings.AuditLogPath} cannot be opened for writing: {e.Message}");
            }

            await using (app)
            {
                try
                {
                    await app.StartAsync(stopping.Token);
                }
                catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    throw new ConfigurationException($"The HTTP port {settings.HttpEndPoint} is already in use; choose another --http-port.");
                }

                LogServing(logger, nodeId, storeOptions.HttpAddress, storeOptions.AdvertisedRaftAddress);
                using var appStopping = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, app.Lifetime.ApplicationStopping);
                var systemd = new SystemdReadiness(logger);
                var ready = systemd.NotifyReadyAsync(store, appStopping.Token);
                await Task.WhenAny(Task.Delay(Timeout.Infinite, appStopping.Token), store.Failed);

                await appStopping.CancelAsync(); // ends the wait for readiness when Raft failed
                systemd.NotifyStopping();
                LogStopping(logger);
                await StepDownAsync(store, logger);
                await app.StopAsync(CancellationToken.None);
                await ready;
            }
        }

        // Raft broke and could not be reopened: the node must not go on serving.
        if (store.Failed.Exception?.GetBaseException() is QuorumException failure)
            throw failure;

        return ExitCodes.Success;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }
    }

    // A leader resigns before it drains its requests, so the others elect a successor meanwhile.
    // Bounded: a stop must not hang on Raft, which may be the thing that is broken.
    private static async Task StepDownAsync(QuorumStore store, ILogger logger)
    {
        using var timeout = new CancellationTokenSource(StepDownTimeout);
        try
        {
            await store.StepDownAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            LogStepDownFailed(logger, e.Message);
        }
    }

    private static ILoggerFactory CreateLoggerFactory(string nodeId, LogLevel level) => LoggerFactory.Create(logging =>
    {
        logging.SetMinimumLevel(level);

        // Libraries speak up only when something is wrong, unless asked for debug logs. DotNext
        // warns, with a stack trace, on every heartbeat to an unreachable member: that is noise
        // while a node is down, and the store logs the events that matter itself.
        logging.AddFilter("Microsoft", level <= LogLevel.Debug ? LogLevel.Information : LogLevel.Warning);
        logging.AddFilter("DotNext", level <= LogLevel.Debug ? LogLevel.Information : LogLevel.Error);
        logging.AddConsole(console =>
        {
            console.FormatterName = NodeConsoleFormatter.Name;
            console.LogToStandardErrorThreshold = LogLevel.None;
        });
        logging.AddConsoleFormatter<NodeConsoleFormatter, NodeConsoleFormatterOptions>(formatter => formatter.NodeId = nodeId);
    });

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Id} serving HTTP at {Http}, Raft at {Raft}")]
    private static partial void LogServing(ILogger logger, string id, string http, string raft);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Variable}=1: linearizable reads skip the read barrier and may be stale. This is a planted bug for testing the fault-injection suite; never set it in production")]
    private static partial void LogPlantedBug(ILogger logger, string variable);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Variable}=1: the leader answers read indexes without confirming its leadership with a quorum, so a deposed leader may serve stale reads. This is a planted bug for testing the fault-injection suite; never set it in production")]
    private static partial void LogPlantedQuorumRoundBug(ILogger logger, string variable);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stepping down before the stop failed ({Reason}); stopping anyway")]
    private static partial void LogStepDownFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: finishing requests in flight, then flushing the log")]
    private static partial void LogStopping(ILogger logger);
}
