using System.Net;
using Quorum.Chaos.History;
using Quorum.Client;

namespace Quorum.Chaos.Workloads;

/// <summary>
/// Performs reads and writes over HTTP and records them as a client saw them: what it asked, when,
/// and whether the outcome is known (200 ok, 503 certainly not applied) or unknown (504, timeout,
/// a connection lost after the request may have been sent).
/// </summary>
internal sealed class HttpOperations(HistoryRecorder history) : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(12);

    private readonly HttpClient http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<Operation> WriteAsync(int process, string nodeId, string baseUrl, string key, string value, CancellationToken token)
    {
        var invoke = history.Now;
        OperationStatus status;
        string? error = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var content = new StringContent(value);
            using var response = await http.PutAsync($"{baseUrl}/{QuorumClient.KeyPath(key)}", content, timeout.Token);
            (status, error) = response.StatusCode switch
            {
                HttpStatusCode.OK => (OperationStatus.Ok, null),
                HttpStatusCode.ServiceUnavailable => (OperationStatus.Fail, "503"),
                HttpStatusCode.GatewayTimeout => (OperationStatus.Info, "504"),
                var other => (OperationStatus.Info, $"unexpected {(int)other}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}"),
            };
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            (status, error) = (OperationStatus.Fail, "connection refused");
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            (status, error) = (OperationStatus.Info, e is OperationCanceledException ? "timeout" : e.Message);
        }

        var operation = new Operation(process, OperationKind.Write, key, value, status, invoke, history.Now, nodeId, error);
        history.Add(operation);
        return operation;
    }

    /// <summary>
    /// Compare-and-set through the HTTP API's preconditions: writes <paramref name="value"/> if the key
    /// is still at <paramref name="revision"/> (the revision read with <paramref name="expected"/>;
    /// 0: absent). Values are unique per write, so "at that revision" is "holds that value".
    /// </summary>
    public async Task<Operation> CompareAndSetAsync(int process, string nodeId, string baseUrl, string key, string? expected, long revision, string value, CancellationToken token)
    {
        var invoke = history.Now;
        var kind = OperationKind.Cas;
        OperationStatus status;
        string? error = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"{baseUrl}/{QuorumClient.KeyPath(key)}") { Content = new StringContent(value) };
            if (revision == 0)
                request.Headers.TryAddWithoutValidation("If-None-Match", "*");
            else
                request.Headers.TryAddWithoutValidation("If-Match", $"\"{revision}\"");

            using var response = await http.SendAsync(request, timeout.Token);
            (kind, status, error) = response.StatusCode switch
            {
                HttpStatusCode.OK => (OperationKind.Cas, OperationStatus.Ok, null),
                HttpStatusCode.PreconditionFailed => (OperationKind.CasFailed, OperationStatus.Ok, null),
                HttpStatusCode.ServiceUnavailable => (OperationKind.Cas, OperationStatus.Fail, "503"),
                HttpStatusCode.GatewayTimeout => (OperationKind.Cas, OperationStatus.Info, "504"),
                var other => (OperationKind.Cas, OperationStatus.Info, $"unexpected {(int)other}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}"),
            };
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            (status, error) = (OperationStatus.Fail, "connection refused");
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            (status, error) = (OperationStatus.Info, e is OperationCanceledException ? "timeout" : e.Message);
        }

        var operation = new Operation(process, kind, key, value, status, invoke, history.Now, nodeId, error, expected);
        history.Add(operation);
        return operation;
    }

    public async Task<Operation> ReadAsync(int process, string nodeId, string baseUrl, string key, CancellationToken token)
        => (await ReadWithRevisionAsync(process, nodeId, baseUrl, key, token)).Operation;

    /// <summary>Reads a key, and the revision its value carries (its ETag; 0 when absent).</summary>
    public async Task<(Operation Operation, long Revision)> ReadWithRevisionAsync(int process, string nodeId, string baseUrl, string key, CancellationToken token)
    {
        var invoke = history.Now;
        OperationStatus status;
        string? value = null;
        string? error = null;
        long revision = 0;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await http.GetAsync($"{baseUrl}/{QuorumClient.KeyPath(key)}", timeout.Token);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    status = OperationStatus.Ok;
                    value = await response.Content.ReadAsStringAsync(timeout.Token);
                    revision = long.Parse(response.Headers.ETag!.Tag.Trim('"'), System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case HttpStatusCode.NotFound:
                    status = OperationStatus.Ok;
                    break;
                default:
                    (status, error) = (OperationStatus.Fail, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !token.IsCancellationRequested))
        {
            // A read that got no answer changed nothing.
            (status, error) = (OperationStatus.Fail, e is OperationCanceledException ? "timeout" : e.Message);
        }

        var operation = new Operation(process, OperationKind.Read, key, value, status, invoke, history.Now, nodeId, error);
        history.Add(operation);
        return (operation, revision);
    }

    public void Dispose() => http.Dispose();
}
