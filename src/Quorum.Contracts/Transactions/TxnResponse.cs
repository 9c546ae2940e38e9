using System.Text.Json.Serialization;

namespace Quorum.Contracts.Transactions;

/// <summary>What a transaction did: the answer of <c>POST /txn</c>, as the server writes it and the client reads it.</summary>
/// <param name="Succeeded">Whether every compare held.</param>
/// <param name="Revision">The transaction's revision.</param>
/// <param name="Results">One per operation that ran.</param>
public sealed record TxnResponse(
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("revision")] long Revision,
    [property: JsonPropertyName("results")] IReadOnlyList<TxnResult> Results);

/// <summary>One operation's result.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">A get's value (base64 on the wire), or <see langword="null"/> (absent, or not a get).</param>
/// <param name="Revision">A get's revision (0: absent); the transaction's revision for a put or delete.</param>
public sealed record TxnResult(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] byte[]? Value,
    [property: JsonPropertyName("revision")] long Revision);
