using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Quorum.Server.Http;

namespace Quorum.Server.Tests;

/// <summary>How a request cancelled by the node's own stop is answered, apart from the client leaving.</summary>
public sealed class ErrorMappingTests
{
    [Fact]
    public async Task A_request_cancelled_because_the_node_is_stopping_gets_503_and_another_cancellation_stays_a_500()
    {
        var stopping = await AnswerAsync(stopping: true);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, stopping.Status);
        Assert.Equal("1", stopping.RetryAfter);
        Assert.Contains("stopping", stopping.Error, StringComparison.Ordinal);

        var running = await AnswerAsync(stopping: false);
        Assert.Equal(StatusCodes.Status500InternalServerError, running.Status);
    }

    private static async Task<(int Status, string? RetryAfter, string Error)> AnswerAsync(bool stopping)
    {
        using var lifetime = new Lifetime();
        if (stopping)
            await lifetime.Stopping.CancelAsync();
        var middleware = new ErrorMappingMiddleware(_ => throw new OperationCanceledException(), NullLogger<ErrorMappingMiddleware>.Instance, lifetime);
        using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "GET";
        context.Request.Path = "/watch";
        using var body = new MemoryStream();
        context.Response.Body = body;

        await middleware.InvokeAsync(context);

        var error = JsonDocument.Parse(body.ToArray()).RootElement.GetProperty("error").GetString()!;
        return (context.Response.StatusCode, context.Response.Headers.RetryAfter.ToString() is { Length: > 0 } retry ? retry : null, error);
    }

    private sealed class Lifetime : IHostApplicationLifetime, IDisposable
    {
        public CancellationTokenSource Stopping { get; } = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => Stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => Stopping.Cancel();

        public void Dispose() => Stopping.Dispose();
    }
}
