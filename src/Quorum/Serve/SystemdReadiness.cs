using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Quorum.Store;

namespace Quorum.Serve;

/// <summary>
/// Tells systemd (a <c>Type=notify</c> unit, which sets <c>NOTIFY_SOCKET</c>) when the node is ready
/// and when it stops; does nothing when not run by systemd.
/// </summary>
/// <remarks>
/// Ready means serving HTTP and a voting member. A node that bootstrapped or restarted with its data
/// is a member at once, so it is ready as soon as it listens; a new node started with <c>--join</c>
/// is ready only once the leader has added it, so units ordered after it (<c>After=</c>) start
/// against a cluster that counts it. Such a node stays "activating" until then, which the unit's
/// <c>TimeoutStartSec</c> bounds.
/// </remarks>
internal sealed partial class SystemdReadiness(ILogger logger)
{
    private readonly SystemdNotifier notifier = new();

    /// <summary>Sends <c>READY=1</c> once the node is a member; call it after the HTTP listener started.</summary>
    /// <param name="store">The open store.</param>
    /// <param name="token">Cancelled when the node stops before it was ready.</param>
    /// <returns>A task that completes when READY=1 was sent, or the node stopped first.</returns>
    public async Task NotifyReadyAsync(QuorumStore store, CancellationToken token)
    {
        if (!notifier.IsEnabled)
            return;

        try
        {
            await store.WaitUntilMemberAsync(token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }

        notifier.Notify(ServiceState.Ready);
        LogReady(logger);
    }

    /// <summary>Sends <c>STOPPING=1</c>: the node has begun to stop.</summary>
    public void NotifyStopping()
    {
        if (notifier.IsEnabled)
            notifier.Notify(ServiceState.Stopping);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Told systemd the node is ready (serving HTTP, a member of its cluster)")]
    private static partial void LogReady(ILogger logger);
}
