using System.Text;
using System.Text.Json.Serialization;
using Quorum.Store;

namespace Quorum.Server.Http;

/// <summary>The body of <c>POST /txn</c>.</summary>
/// <param name="Compare">What must hold.</param>
/// <param name="Success">What runs when every compare holds.</param>
/// <param name="Failure">What runs otherwise.</param>
internal sealed record TxnBody(
    [property: JsonPropertyName("compare")] List<TxnCompareBody?>? Compare,
    [property: JsonPropertyName("success")] List<TxnOperationBody?>? Success,
    [property: JsonPropertyName("failure")] List<TxnOperationBody?>? Failure)
{
    /// <summary>Checks the body and turns it into the store's request.</summary>
    /// <returns>The transaction.</returns>
    /// <exception cref="ApiException">Something in it is missing or malformed.</exception>
    public TxnRequest ToRequest() => new(
        (Compare ?? []).Select((c, i) => (c ?? throw Bad($"compare[{i}] is null.")).ToCompare(i)).ToList(),
        (Success ?? []).Select((o, i) => (o ?? throw Bad($"success[{i}] is null.")).ToOperation($"success[{i}]")).ToList(),
        (Failure ?? []).Select((o, i) => (o ?? throw Bad($"failure[{i}] is null.")).ToOperation($"failure[{i}]")).ToList());

    /// <summary>Decodes a base64 value.</summary>
    /// <param name="text">The text.</param>
    /// <param name="where">Where in the body, for the message.</param>
    /// <returns>The bytes.</returns>
    internal static byte[] Base64(string text, string where)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw Bad($"{where} is not valid base64.");
        }
    }

    /// <summary>A 400 about the body.</summary>
    /// <param name="message">What is wrong.</param>
    /// <returns>The exception.</returns>
    internal static ApiException Bad(string message) => ApiException.BadRequest("Bad transaction: " + message);
}

/// <summary>One compare: <c>{"key":K,"revision":N}</c> or <c>{"key":K,"value":BASE64}</c>.</summary>
/// <param name="Key">The key.</param>
/// <param name="Revision">The required revision (0: absent).</param>
/// <param name="Value">The required value, base64.</param>
internal sealed record TxnCompareBody(
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("revision")] long? Revision,
    [property: JsonPropertyName("value")] string? Value)
{
    /// <summary>Checks the compare.</summary>
    /// <param name="index">Its place, for messages.</param>
    /// <returns>The compare.</returns>
    public TxnCompare ToCompare(int index)
    {
        if (string.IsNullOrEmpty(Key))
            throw TxnBody.Bad($"compare[{index}] needs a key.");
        if ((Revision is null) == (Value is null))
            throw TxnBody.Bad($"compare[{index}] needs exactly one of revision and value.");

        var key = Encoding.UTF8.GetBytes(Key);
        return Revision is { } revision
            ? TxnCompare.RevisionIs(key, revision)
            : TxnCompare.ValueIs(key, TxnBody.Base64(Value!, $"compare[{index}].value"));
    }
}

/// <summary>One operation: exactly one of <c>put</c>, <c>delete</c> and <c>get</c>.</summary>
/// <param name="Put">A put.</param>
/// <param name="Delete">A delete.</param>
/// <param name="Get">A get.</param>
internal sealed record TxnOperationBody(
    [property: JsonPropertyName("put")] TxnPutBody? Put,
    [property: JsonPropertyName("delete")] TxnKeyBody? Delete,
    [property: JsonPropertyName("get")] TxnKeyBody? Get)
{
    /// <summary>Checks the operation.</summary>
    /// <param name="where">Its place, for messages.</param>
    /// <returns>The operation.</returns>
    public TxnOperation ToOperation(string where)
    {
        if ((Put is null ? 0 : 1) + (Delete is null ? 0 : 1) + (Get is null ? 0 : 1) != 1)
            throw TxnBody.Bad($"{where} needs exactly one of put, delete and get.");

        if (Put is { } put)
        {
            if (put.Value is null)
                throw TxnBody.Bad($"{where}.put needs a value (base64).");

            TimeSpan? ttl;
            try
            {
                ttl = QueryParameters.Ttl(put.Ttl);
            }
            catch (ApiException e)
            {
                throw TxnBody.Bad($"{where}.put: {e.Message}");
            }

            return TxnOperation.Put(KeyOf(put.Key, where), TxnBody.Base64(put.Value, $"{where}.put.value"), ttl);
        }

        return Delete is { } delete
            ? TxnOperation.Delete(KeyOf(delete.Key, where))
            : TxnOperation.Get(KeyOf(Get!.Key, where));
    }

    private static byte[] KeyOf(string? key, string where)
        => string.IsNullOrEmpty(key) ? throw TxnBody.Bad($"{where} needs a key.") : Encoding.UTF8.GetBytes(key);
}

/// <summary>A put: <c>{"key":K,"value":BASE64,"ttl":D}</c>.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value, base64.</param>
/// <param name="Ttl">The time to live, such as <c>30s</c>.</param>
internal sealed record TxnPutBody(
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("ttl")] string? Ttl);

/// <summary>A delete or a get: <c>{"key":K}</c>.</summary>
/// <param name="Key">The key.</param>
internal sealed record TxnKeyBody([property: JsonPropertyName("key")] string? Key);

/// <summary>The answer of <c>POST /txn</c>.</summary>
/// <param name="Succeeded">Whether every compare held.</param>
/// <param name="Revision">The transaction's revision.</param>
/// <param name="Results">One per operation that ran.</param>
internal sealed record TxnAnswer(
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("revision")] long Revision,
    [property: JsonPropertyName("results")] IReadOnlyList<TxnResultBody> Results);

/// <summary>One operation's result.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">A get's value, base64, or null.</param>
/// <param name="Revision">A get's revision (0: absent), or the transaction's for a put or delete.</param>
internal sealed record TxnResultBody(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("revision")] long Revision);
