using System.Globalization;
using System.Text.Json.Serialization;

namespace Quorum.Client;

/// <summary>The body of <c>POST /txn</c>.</summary>
/// <param name="Compare">The compares.</param>
/// <param name="Success">The success operations.</param>
/// <param name="Failure">The failure operations.</param>
internal sealed record TxnBody(
    [property: JsonPropertyName("compare")] List<TxnCompareBody> Compare,
    [property: JsonPropertyName("success")] List<TxnOperationBody> Success,
    [property: JsonPropertyName("failure")] List<TxnOperationBody> Failure);

/// <summary>A compare on the wire.</summary>
/// <param name="Key">The key.</param>
/// <param name="Revision">The revision.</param>
/// <param name="Value">The value.</param>
internal sealed record TxnCompareBody(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("revision"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Revision,
    [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] byte[]? Value);

/// <summary>An operation on the wire: one of its members is set.</summary>
/// <param name="Put">A put.</param>
/// <param name="Delete">A delete.</param>
/// <param name="Get">A get.</param>
internal sealed record TxnOperationBody(
    [property: JsonPropertyName("put"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TxnPutBody? Put,
    [property: JsonPropertyName("delete"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TxnKeyBody? Delete,
    [property: JsonPropertyName("get"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TxnKeyBody? Get);

/// <summary>A put on the wire.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Ttl">The TTL, such as <c>1500ms</c>.</param>
internal sealed record TxnPutBody(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] byte[] Value,
    [property: JsonPropertyName("ttl"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Ttl);

/// <summary>A delete or get on the wire.</summary>
/// <param name="Key">The key.</param>
internal sealed record TxnKeyBody([property: JsonPropertyName("key")] string Key);

/// <summary>The answer of <c>POST /txn</c>.</summary>
/// <param name="Succeeded">Whether every compare held.</param>
/// <param name="Revision">The revision.</param>
/// <param name="Results">The results.</param>
internal sealed record TxnAnswer(
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("revision")] long Revision,
    [property: JsonPropertyName("results")] List<TxnResult> Results)
{
    /// <summary>Turns the answer into the client's model.</summary>
    /// <returns>The response.</returns>
    public TxnResponse ToResponse() => new(Succeeded, Revision, Results);
}

/// <summary>Builds transaction bodies.</summary>
internal static class TxnBodies
{
    /// <summary>Builds the body of a transaction.</summary>
    /// <param name="request">The transaction.</param>
    /// <returns>The body.</returns>
    public static TxnBody From(TxnRequest request) => new(
        request.Compare.Select(static c => new TxnCompareBody(c.Key, c.Revision, c.Revision is null ? c.Value ?? [] : null)).ToList(),
        request.Success.Select(Operation).ToList(),
        request.Failure.Select(Operation).ToList());

    /// <summary>Formats a TTL as the API writes it.</summary>
    /// <param name="ttl">The TTL.</param>
    /// <returns>Whole milliseconds, such as <c>1500ms</c>.</returns>
    public static string Duration(TimeSpan ttl) => ((long)Math.Ceiling(ttl.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";

    private static TxnOperationBody Operation(TxnOperation operation) => operation.Type switch
    {
        TxnOperationType.Put => new TxnOperationBody(new TxnPutBody(operation.Key, operation.Value ?? [], operation.Ttl is { } ttl ? Duration(ttl) : null), null, null),
        TxnOperationType.Delete => new TxnOperationBody(null, new TxnKeyBody(operation.Key), null),
        _ => new TxnOperationBody(null, null, new TxnKeyBody(operation.Key)),
    };
}
