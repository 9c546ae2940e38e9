using System.Text;
using System.Text.Json;
using Quorum.Contracts;
using Quorum.Server.Audit;
using Quorum.Server.Auth;
using Quorum.Server.Forwarding;
using Quorum.Server.Http;
using Quorum.Store;
using Quorum.Store.Auth;
using Wire = Quorum.Contracts.Transactions;

namespace Quorum.Server.Routes;

/// <summary>Transactions: <c>POST /txn</c>.</summary>
internal static class TxnRoutes
{
    /// <summary>Maps the transaction route.</summary>
    /// <param name="app">The route builder.</param>
    public static void MapTxnRoutes(this IEndpointRouteBuilder app) => app.MapPost("/txn", TxnAsync).RequireLeader();

    private static async Task<IResult> TxnAsync(HttpContext context, QuorumStore store)
    {
        QueryParameters.RequireOnly(context.Request);

        // Values travel as base64 (a third larger), and a transaction may carry a few of the largest.
        var limit = (int)Math.Min(int.MaxValue, Math.Max(RequestBody.MaxJsonBytes, 4L * store.Options.MaxValueBytes));
        var bytes = await RequestBody.ReadAsync(context, limit);
        Wire.TxnRequest request;
        try
        {
            var body = JsonSerializer.Deserialize(bytes, WireJson.Wire.TxnBody) ?? throw new Wire.TxnFormatException("the body is null.");
            request = body.ToRequest();
        }
        catch (JsonException e)
        {
            var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "the body" : e.Path.TrimStart('$', '.');
            throw ApiException.BadRequest($"The body is not a valid transaction: malformed JSON or a wrong type in {where}.");
        }
        catch (Wire.TxnFormatException e)
        {
            throw Bad(e.Message);
        }

        // Either branch may run, so every key of both needs its permission.
        foreach (var compare in request.Compare)
            KeyAccess.Require(context, store, Encoding.UTF8.GetBytes(compare.Key), Access.Read);
        foreach (var operation in request.Success.Concat(request.Failure))
            KeyAccess.Require(context, store, Encoding.UTF8.GetBytes(operation.Key), operation.Type == Wire.TxnOperationType.Get ? Access.Read : Access.Write);

        var result = await store.TxnAsync(ToStore(request), context.RequestAborted);
        AuditMiddleware.SetRevision(context, result.Revision);
        var answer = new Wire.TxnResponse(
            result.Succeeded,
            result.Revision,
            result.Results.Select(static r => new Wire.TxnResult(Encoding.UTF8.GetString(r.Key.Span), r.Value?.ToArray(), r.Revision)).ToList());
        return TypedResults.Json(answer, WireJson.Wire.TxnResponse);
    }

    private static TxnRequest ToStore(Wire.TxnRequest request) => new(
        request.Compare.Select(static c => c.Revision is { } revision
            ? TxnCompare.RevisionIs(Encoding.UTF8.GetBytes(c.Key), revision)
            : TxnCompare.ValueIs(Encoding.UTF8.GetBytes(c.Key), c.Value ?? [])).ToList(),
        request.Success.Select((o, i) => ToStore(o, $"success[{i}]")).ToList(),
        request.Failure.Select((o, i) => ToStore(o, $"failure[{i}]")).ToList());

    private static TxnOperation ToStore(Wire.TxnOperation operation, string where)
    {
        var key = Encoding.UTF8.GetBytes(operation.Key);
        if (operation.Ttl > QuorumStore.MaxTtl)
            throw Bad($"{where}.put: ttl must be at most {QuorumStore.MaxTtl.TotalDays:0} days; got '{DurationText.Format(operation.Ttl.Value)}'.");

        return operation.Type switch
        {
            Wire.TxnOperationType.Put => TxnOperation.Put(key, operation.Value ?? [], operation.Ttl),
            Wire.TxnOperationType.Delete => TxnOperation.Delete(key),
            _ => TxnOperation.Get(key),
        };
    }

    private static ApiException Bad(string message) => ApiException.BadRequest("Bad transaction: " + message);
}
