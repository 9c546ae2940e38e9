using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Quorum.Server.Auth;
using Quorum.Server.Http;
using Quorum.Store;
using Quorum.Store.Auth;

namespace Quorum.Server.Routes;

/// <summary>Watching: <c>GET /watch?prefix=P&amp;from=N</c>, a stream of server-sent events served by the node asked.</summary>
internal static class WatchRoutes
{
    // Idle streams get a comment this often, so clients and proxies can tell a quiet watch from a dead one.
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>Maps the watch route.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapWatchRoutes(this IEndpointRouteBuilder app) => app.MapGet("/watch", WatchAsync);

    private static async Task WatchAsync(HttpContext context, QuorumStore store, IHostApplicationLifetime lifetime)
    {
        QueryParameters.RequireOnly(context.Request, "prefix", "from");
        var prefix = Encoding.UTF8.GetBytes(context.Request.Query["prefix"].ToString());
        KeyAccess.Require(context, store, prefix, Access.Read, isPrefix: true);
        var from = QueryParameters.Number(context.Request, "from", 1, long.MaxValue) ?? ResumeAfterLastEvent(context.Request);

        // Refusals (a bad parameter, a revision older than the history) are thrown before the
        // stream starts, so they get their status and JSON body.
        using var watch = store.Watch(prefix, from);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);

        var response = context.Response;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        using var events = new WatchEventWriter(response.BodyWriter);
        events.WriteStart(watch.StartRevision);
        await response.BodyWriter.FlushAsync(stop.Token);

        await using var batches = watch.ReadAllAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var next = batches.MoveNextAsync().AsTask();
        var keepAlive = Task.Delay(KeepAliveInterval, stop.Token);
        try
        {
            while (true)
            {
                // One timer at a time, not one per batch: a busy watch sees thousands of batches a second.
                if (await Task.WhenAny(next, keepAlive) != next)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    events.WriteKeepAlive();
                    keepAlive = Task.Delay(KeepAliveInterval, stop.Token);
                }
                else if (await next)
                {
                    events.WriteBatch(batches.Current);
                    next = batches.MoveNextAsync().AsTask();
                }
                else
                {
                    return;
                }

                await response.BodyWriter.FlushAsync(stop.Token);
            }
        }
        catch (WatchCutOffException e)
        {
            events.WriteCutOff(e);
            await response.BodyWriter.FlushAsync(context.RequestAborted);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The client left, or the node is stopping: the client resumes from its last event's revision + 1.
        }
        finally
        {
            // An iterator cannot be disposed while a read is pending: end the read first.
            await stop.CancelAsync();
            await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // A browser's EventSource reconnects with the last event's ID, which is its revision.
    private static long? ResumeAfterLastEvent(HttpRequest request)
        => long.TryParse(request.Headers["Last-Event-ID"].ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var last) && last < long.MaxValue
            ? last + 1
            : null;
}
