using Quorum.Server.Audit;
using Quorum.Server.Auth;
using Quorum.Server.Backup;
using Quorum.Server.Forwarding;
using Quorum.Server.Http;
using Quorum.Server.Membership;
using Quorum.Server.Metrics;
using Quorum.Server.Routes;
using Quorum.Server.Tls;
using Quorum.Server.WebConsole;
using Quorum.Store;

namespace Quorum.Server;

/// <summary>Builds the HTTP API of a Quorum node over an open <see cref="QuorumStore"/>.</summary>
public static class QuorumServer
{
    /// <summary>Builds the web application; start it with <c>RunAsync</c> or <c>StartAsync</c>.</summary>
    /// <param name="store">The open store.</param>
    /// <param name="client">The node-to-node HTTP client (also the store's leader client).</param>
    /// <param name="options">How to serve.</param>
    /// <param name="loggerFactory">Where logs go; the store's own factory, so every part logs alike.</param>
    /// <returns>The application.</returns>
    public static WebApplication Build(QuorumStore store, NodeClient client, ServerOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        // Rooted at the program's folder with no arguments: an appsettings.json or a command line
        // meant for something else must not reconfigure the node.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = Math.Max(store.Options.MaxValueBytes, RequestBody.MaxJsonBytes);
            kestrel.Listen(options.HttpEndPoint, listen => options.Tls?.UseHttps(listen));
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(client);
        builder.Services.AddSingleton(TimeProvider.System);

        // Opened now, so a file that cannot be written stops the node at start.
        var audit = new AuditLog(options.AuditLogPath, loggerFactory);
        builder.Services.AddSingleton(audit);
        builder.Services.AddSingleton(new PeerPolicy(options.Tls?.IsPeerTls == true));
        var metrics = options.Metrics ?? NodeMetrics.Start(store.Metrics);
        builder.Services.AddSingleton(metrics.Http);
        builder.Services.AddSingleton(metrics.Exporter);
        builder.Services.AddHostedService(services => new MemberRegistration(
            store,
            client,
            options.JoinUrls,
            services.GetRequiredService<ILogger<MemberRegistration>>()));

        if (options.Backups is { } backups)
            builder.Services.AddHostedService(services => new ScheduledBackups(store, backups, TimeProvider.System, services.GetRequiredService<ILogger<ScheduledBackups>>()));

        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            audit.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (options.Metrics is null)
                metrics.Dispose();
        });
        app.UseMiddleware<RequestMetricsMiddleware>();
        app.UseMiddleware<AuditMiddleware>();
        app.UseMiddleware<ErrorMappingMiddleware>();
        app.UseRouting();
        app.UseMiddleware<AuthenticationMiddleware>();
        app.UseMiddleware<LeaderForwardingMiddleware>();
        app.MapHealthRoutes();
        app.MapMetricsRoutes();
        app.MapKeyRoutes();
        app.MapListRoutes();
        app.MapWatchRoutes();
        app.MapTxnRoutes();
        app.MapClusterRoutes();
        app.MapClusterStatusRoutes();
        app.MapAuthRoutes();
        app.MapWebConsole();
        app.MapSnapshotRoutes();
        return app;
    }
}
