using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Quorum.Client;

/// <summary>
/// Sends a transaction (<c>POST /txn</c>) and reads its answer, moving on to the next member when
/// one cannot be reached or answers 503, as <see cref="QuorumClient"/> does.
/// </summary>
/// <remarks>
/// <see cref="QuorumClient.TxnAsync"/> is not used because it loses each result's key, value and
/// revision: the client reads the answer's <c>results</c> into <see cref="TxnResult"/>, whose
/// properties have no JSON names, so <c>"key"</c>, <c>"value"</c> and <c>"revision"</c> match none of
/// them and come back null, null and 0. Once that is fixed, <see cref="TxnVerb"/> can call it instead.
/// </remarks>
internal static class TxnSender
{
    private const int AttemptsPerEndpoint = 3;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(1);

    /// <summary>Runs a transaction.</summary>
    /// <param name="endpoints">The members' base URLs.</param>
    /// <param name="request">The transaction.</param>
    /// <param name="token">Cancels it; it may still be applied.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="QuorumClientException">The server refused the transaction, or its outcome is unknown.</exception>
    public static async Task<TxnResponse> SendAsync(IReadOnlyList<Uri> endpoints, TxnRequest request, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(request);
        var body = JsonSerializer.SerializeToUtf8Bytes(Body(request), CliJson.Output.TxnInput);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        var attempts = endpoints.Count * AttemptsPerEndpoint;
        var backoff = TimeSpan.FromMilliseconds(50);
        for (var attempt = 0; ; attempt++)
        {
            var endpoint = endpoints[attempt % endpoints.Count];
            var target = new Uri(endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/"), "txn");
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            using var perAttempt = CancellationTokenSource.CreateLinkedTokenSource(token);
            perAttempt.CancelAfter(RequestTimeout);
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync(target, content, perAttempt.Token);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && attempt + 1 < attempts)
            {
                continue;
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                throw new QuorumClientException(HttpStatusCode.GatewayTimeout, $"{endpoint} did not answer within {RequestTimeout.TotalSeconds:0}s; the transaction's outcome is unknown.");
            }

            using (response)
            {
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt + 1 >= attempts)
                    return await ReadAsync(response, token);
            }

            await Task.Delay(backoff, token);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, LongestBackoff.Ticks));
        }
    }

    private static TxnInput Body(TxnRequest request) => new(
        request.Compare.Select(static c => (TxnCompareInput?)new TxnCompareInput(c.Key, c.Revision, c.Revision is null ? Convert.ToBase64String(c.Value ?? []) : null)).ToList(),
        request.Success.Select(Operation).ToList(),
        request.Failure.Select(Operation).ToList());

    private static TxnOperationInput? Operation(TxnOperation operation) => operation.Type switch
    {
        TxnOperationType.Put => new TxnOperationInput(new TxnPutInput(operation.Key, Convert.ToBase64String(operation.Value ?? []), operation.Ttl is { } ttl ? $"{(long)Math.Ceiling(ttl.TotalMilliseconds)}ms" : null), null, null),
        TxnOperationType.Delete => new TxnOperationInput(null, new TxnKeyInput(operation.Key), null),
        _ => new TxnOperationInput(null, null, new TxnKeyInput(operation.Key)),
    };

    private static async Task<TxnResponse> ReadAsync(HttpResponseMessage response, CancellationToken token)
    {
        if (response.IsSuccessStatusCode)
        {
            var answer = await response.Content.ReadFromJsonAsync(CliJson.Default.TxnAnswerLine, token)
                ?? throw new QuorumClientException(response.StatusCode, "The server sent an empty answer.");
            return new TxnResponse(answer.Succeeded, answer.Revision, answer.Results.Select(static r => new TxnResult(r.Key, r.Value, r.Revision)).ToList());
        }

        string message;
        long? revision = null;
        try
        {
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(token));
            message = error.RootElement.TryGetProperty("error", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()! : $"HTTP {(int)response.StatusCode}";
            if (error.RootElement.TryGetProperty("revision", out var number) && number.TryGetInt64(out var parsed))
                revision = parsed;
        }
        catch (JsonException)
        {
            message = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }

        throw new QuorumClientException(response.StatusCode, message, revision);
    }
}
