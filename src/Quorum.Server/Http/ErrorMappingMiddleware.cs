using Quorum.Store;

namespace Quorum.Server.Http;

/// <summary>
/// Turns every failure into the contract's JSON error with a fitting status, so no route has to:
/// bad input 400, absent member 404, conflict 409, watch history compacted 410 (with the oldest
/// revision), failed precondition 412 (with the key's revision, in the body and in <c>ETag</c>),
/// oversized body 413, no leader or quorum, or the node stopping, 503 (with <c>Retry-After</c>), unknown write outcome 504, disk
/// full or quota exceeded 507 (nothing written); and a request no route took (404, or 405
/// for a known path) gets the same shape instead of an empty body.
/// </summary>
/// <param name="next">The rest of the pipeline.</param>
/// <param name="logger">Where unexpected failures are logged.</param>
/// <param name="lifetime">Tells a request cancelled because the node is stopping (503: retry on another member) from a failure.</param>
internal sealed partial class ErrorMappingMiddleware(RequestDelegate next, ILogger<ErrorMappingMiddleware> logger, IHostApplicationLifetime lifetime)
{
    /// <summary>Runs the rest of the pipeline and maps what it throws.</summary>
    /// <param name="context">The request.</param>
    /// <returns>A task that completes when the response is written.</returns>
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            var response = context.Response;
            if (response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed
                && !response.HasStarted && response.ContentLength is null && response.ContentType is null)
            {
                await ApiResults.WriteErrorAsync(context, response.StatusCode, NoRouteMessage(context));
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception failure) when (!context.Response.HasStarted)
        {
            // Seen in a chaos run: a watch whose stream had not started yet when SIGTERM came got a 500.
            var e = failure is OperationCanceledException && lifetime.ApplicationStopping.IsCancellationRequested
                ? new UnavailableException("This node is stopping. Retry on another member.", failure)
                : failure;
            var (status, message) = Map(e);
            if (status == StatusCodes.Status500InternalServerError)
                LogUnexpected(context.Request.Method, context.Request.Path, e);

            context.Response.Clear();
            long? revision = e switch
            {
                PreconditionFailedException failed => failed.CurrentRevision,
                HistoryCompactedException compacted => compacted.OldestRevision,
                _ => null,
            };
            if (e is PreconditionFailedException { CurrentRevision: > 0 } precondition)
                context.Response.Headers.ETag = $"\"{precondition.CurrentRevision}\"";

            await ApiResults.WriteErrorAsync(context, new ErrorResponse(message, revision), status);
        }
    }

    private static string NoRouteMessage(HttpContext context) => context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed
        ? $"{context.Request.Method} is not allowed on {context.Request.Path}."
        : $"No such route: {context.Request.Method} {context.Request.Path}.";

    private static (int Status, string Message) Map(Exception e) => e switch
    {
        ApiException api => (api.StatusCode, api.Message),
        UnavailableException => (StatusCodes.Status503ServiceUnavailable, e.Message),
        PreconditionFailedException => (StatusCodes.Status412PreconditionFailed, e.Message),
        HistoryCompactedException => (StatusCodes.Status410Gone, e.Message),
        WriteOutcomeUnknownException => (StatusCodes.Status504GatewayTimeout, e.Message),
        InsufficientStorageException => (StatusCodes.Status507InsufficientStorage, e.Message),
        MembershipException { IsUnknownMember: true } => (StatusCodes.Status404NotFound, e.Message),
        MembershipException => (StatusCodes.Status409Conflict, e.Message),
        AuthException { IsUnknown: true } => (StatusCodes.Status404NotFound, e.Message),
        AuthException => (StatusCodes.Status409Conflict, e.Message),
        BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is larger than the limit." : bad.Message),
        ArgumentException argument => (StatusCodes.Status400BadRequest, WithoutParameterName(argument)),
        _ => (StatusCodes.Status500InternalServerError, "Internal error: " + e.Message),
    };

    // .NET appends " (Parameter 'name')" to the message; the name means nothing to an API user.
    private static string WithoutParameterName(ArgumentException e)
        => e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : e.Message;

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure serving {Method} {Path}")]
    private partial void LogUnexpected(string method, string path, Exception exception);
}
