using System.Text;
using System.Text.Json;
using Quorum.Server.Forwarding;
using Quorum.Server.Http;
using Quorum.Store;

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
        TxnBody body;
        try
        {
            body = JsonSerializer.Deserialize(bytes, ApiJsonContext.Strict.TxnBody) ?? throw TxnBody.Bad("the body is null.");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest(Describe(e));
        }

        var result = await store.TxnAsync(body.ToRequest(), context.RequestAborted);
        var answer = new TxnAnswer(
            result.Succeeded,
            result.Revision,
            result.Results.Select(static r => new TxnResultBody(
                Encoding.UTF8.GetString(r.Key.Span),
                r.Value is { } value ? Convert.ToBase64String(value.Span) : null,
                r.Revision)).ToList());
        return TypedResults.Json(answer, ApiJsonContext.Api.TxnAnswer);
    }

    // The serializer names its own types in its messages; say what is wrong in the API's terms.
    private static string Describe(JsonException e)
    {
        var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "the body" : e.Path.TrimStart('$', '.');
        var unknown = System.Text.RegularExpressions.Regex.Match(e.Message, "The JSON property '([^']*)' could not be mapped");
        if (unknown.Success && where.EndsWith(unknown.Groups[1].Value, StringComparison.Ordinal))
            where = where[..^unknown.Groups[1].Value.Length].TrimEnd('.') is { Length: > 0 } parent ? parent : "the body";

        return unknown.Success
            ? $"The body is not a valid transaction: unknown property '{unknown.Groups[1].Value}' in {where}. A transaction has compare, success and failure; a compare has key and revision or value; an operation is put (key, value, ttl), delete (key) or get (key)."
            : $"The body is not a valid transaction: malformed JSON or a wrong type in {where}.";
    }
}
