using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quorum.Cli;

/// <summary>A key as <c>ls --json</c> prints it, one per line: the contract's listing item.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value (base64 in JSON).</param>
/// <param name="Revision">The revision that last changed it.</param>
internal sealed record KeyLine(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] byte[] Value,
    [property: JsonPropertyName("revision")] long Revision);

/// <summary>A change as <c>watch --json</c> prints it, one per line: the contract's event data.</summary>
/// <param name="Type"><c>put</c> or <c>delete</c>.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">A put's value (base64 in JSON); left out for a delete.</param>
/// <param name="Revision">The revision of the change.</param>
internal sealed record EventLine(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] byte[]? Value,
    [property: JsonPropertyName("revision")] long Revision);

/// <summary>A transaction as <c>quorum txn</c> reads it: the contract's body of <c>POST /txn</c>.</summary>
/// <param name="Compare">What must hold.</param>
/// <param name="Success">What runs when every compare holds.</param>
/// <param name="Failure">What runs otherwise.</param>
internal sealed record TxnInput(
    [property: JsonPropertyName("compare")] List<TxnCompareInput?>? Compare,
    [property: JsonPropertyName("success")] List<TxnOperationInput?>? Success,
    [property: JsonPropertyName("failure")] List<TxnOperationInput?>? Failure);

/// <summary>A compare: <c>{"key":K,"revision":N}</c> or <c>{"key":K,"value":BASE64}</c>.</summary>
/// <param name="Key">The key.</param>
/// <param name="Revision">The required revision (0: absent).</param>
/// <param name="Value">The required value, base64.</param>
internal sealed record TxnCompareInput(
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("revision"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Revision,
    [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Value);

/// <summary>An operation: exactly one of <c>put</c>, <c>delete</c> and <c>get</c>.</summary>
/// <param name="Put">A put.</param>
/// <param name="Delete">A delete.</param>
/// <param name="Get">A get.</param>
internal sealed record TxnOperationInput(
    [property: JsonPropertyName("put"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TxnPutInput? Put,
    [property: JsonPropertyName("delete"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TxnKeyInput? Delete,
    [property: JsonPropertyName("get"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TxnKeyInput? Get);

/// <summary>A put: <c>{"key":K,"value":BASE64,"ttl":D}</c>, the TTL optional.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value, base64.</param>
/// <param name="Ttl">The time to live, such as <c>30s</c>.</param>
internal sealed record TxnPutInput(
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Value,
    [property: JsonPropertyName("ttl"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Ttl);

/// <summary>A delete or get: <c>{"key":K}</c>.</summary>
/// <param name="Key">The key.</param>
internal sealed record TxnKeyInput([property: JsonPropertyName("key")] string? Key);

/// <summary>A transaction's answer, as the server sends it and <c>quorum txn</c> prints it.</summary>
/// <param name="Succeeded">Whether every compare held.</param>
/// <param name="Revision">The transaction's revision.</param>
/// <param name="Results">One per operation of the branch that ran.</param>
internal sealed record TxnAnswerLine(
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("revision")] long Revision,
    [property: JsonPropertyName("results")] List<TxnResultLine> Results);

/// <summary>One operation's result.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">A get's value (base64 in JSON), or null.</param>
/// <param name="Revision">A get's revision (0: absent), or the transaction's for a put or delete.</param>
internal sealed record TxnResultLine(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] byte[]? Value,
    [property: JsonPropertyName("revision")] long Revision);

/// <summary>The JSON the client verbs read and print, in the contract's shapes.</summary>
[JsonSerializable(typeof(KeyLine))]
[JsonSerializable(typeof(EventLine))]
[JsonSerializable(typeof(TxnInput))]
[JsonSerializable(typeof(TxnAnswerLine))]
internal sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>
    /// Gets the context to print with: text stays readable (no escaping of quotes or non-ASCII;
    /// the output is never embedded in HTML).
    /// </summary>
    public static CliJson Output { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>
    /// Gets the context to read a transaction with: properties must be spelt as the contract spells
    /// them, since a misspelt field would silently change its meaning (the server refuses them too).
    /// </summary>
    public static CliJson Strict { get; } = new(new JsonSerializerOptions
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    });
}
