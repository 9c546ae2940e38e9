using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quorum.Contracts.Transactions;

/// <summary>
/// The body of <c>POST /txn</c> as it travels: <c>{"compare":[...],"success":[...],"failure":[...]}</c>,
/// values in base64 and TTLs as text. Read tolerantly (every field may be missing, and unknown
/// fields are kept) so that <see cref="ToRequest"/> can say what is wrong and where, in the API's
/// terms; the server and the CLI check a transaction with the same code.
/// </summary>
public sealed partial record TxnBody
{
    /// <summary>What must hold.</summary>
    [JsonPropertyName("compare")]
    public List<TxnCompareBody?>? Compare { get; init; }

    /// <summary>What runs when every compare holds.</summary>
    [JsonPropertyName("success")]
    public List<TxnOperationBody?>? Success { get; init; }

    /// <summary>What runs otherwise.</summary>
    [JsonPropertyName("failure")]
    public List<TxnOperationBody?>? Failure { get; init; }

    /// <summary>Gets or sets the fields the contract does not have; a misspelt field must not silently change the meaning.</summary>
    /// <remarks>Settable, not init-only: the JSON source generator sets init-only properties through the constructor, and extension data cannot go that way.</remarks>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>One compare: <c>{"key":K,"revision":N}</c> or <c>{"key":K,"value":BASE64}</c>.</summary>
public sealed record TxnCompareBody
{
    /// <summary>The key.</summary>
    [JsonPropertyName("key")]
    public string? Key { get; init; }

    /// <summary>The required revision (0: absent).</summary>
    [JsonPropertyName("revision"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Revision { get; init; }

    /// <summary>The required value, base64.</summary>
    [JsonPropertyName("value"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Value { get; init; }

    /// <summary>Gets or sets the fields the contract does not have.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>One operation: exactly one of <c>put</c>, <c>delete</c> and <c>get</c>.</summary>
public sealed record TxnOperationBody
{
    /// <summary>A put.</summary>
    [JsonPropertyName("put"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TxnPutBody? Put { get; init; }

    /// <summary>A delete.</summary>
    [JsonPropertyName("delete"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TxnKeyBody? Delete { get; init; }

    /// <summary>A get.</summary>
    [JsonPropertyName("get"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TxnKeyBody? Get { get; init; }

    /// <summary>Gets or sets the fields the contract does not have.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>A put: <c>{"key":K,"value":BASE64,"ttl":D}</c>, the TTL optional.</summary>
public sealed record TxnPutBody
{
    /// <summary>The key.</summary>
    [JsonPropertyName("key")]
    public string? Key { get; init; }

    /// <summary>The value, base64.</summary>
    [JsonPropertyName("value")]
    public string? Value { get; init; }

    /// <summary>The time to live, such as <c>30s</c>.</summary>
    [JsonPropertyName("ttl"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Ttl { get; init; }

    /// <summary>Gets or sets the fields the contract does not have.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}

/// <summary>A delete or a get: <c>{"key":K}</c>.</summary>
public sealed record TxnKeyBody
{
    /// <summary>The key.</summary>
    [JsonPropertyName("key")]
    public string? Key { get; init; }

    /// <summary>Gets or sets the fields the contract does not have.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}
