using System.Text.Json;
using Quorum.Client;
using Quorum.Server.Http;

namespace Quorum.Cli;

/// <summary>
/// Reads a transaction written as the contract's JSON (values in base64, TTLs such as <c>30s</c>)
/// into the client's <see cref="TxnRequest"/>, checking it as the server would: a mistake is
/// reported with where it is, before anything is sent.
/// </summary>
internal static class TxnInputReader
{
    /// <summary>Reads a transaction.</summary>
    /// <param name="json">The JSON.</param>
    /// <returns>The transaction.</returns>
    /// <exception cref="InputException">The JSON is malformed, or not a transaction.</exception>
    public static TxnRequest Read(byte[] json)
    {
        TxnInput input;
        try
        {
            input = JsonSerializer.Deserialize(json, CliJson.Strict.TxnInput) ?? throw new InputException("the transaction is null.");
        }
        catch (JsonException e)
        {
            throw new InputException($"not a valid transaction: {e.Message}");
        }

        return new TxnRequest(
            (input.Compare ?? []).Select(Compare).ToList(),
            (input.Success ?? []).Select((o, i) => Operation(o, $"success[{i}]")).ToList(),
            (input.Failure ?? []).Select((o, i) => Operation(o, $"failure[{i}]")).ToList());
    }

    private static TxnCompare Compare(TxnCompareInput? compare, int index)
    {
        var where = $"compare[{index}]";
        if (compare is null)
            throw new InputException($"{where} is null.");
        var key = Key(compare.Key, where);
        if ((compare.Revision is null) == (compare.Value is null))
            throw new InputException($"{where} needs exactly one of revision and value.");
        if (compare.Revision is < 0)
            throw new InputException($"{where}.revision must not be negative.");

        return compare.Revision is { } revision
            ? TxnCompare.RevisionIs(key, revision)
            : TxnCompare.ValueIs(key, Base64(compare.Value!, $"{where}.value"));
    }

    private static TxnOperation Operation(TxnOperationInput? operation, string where)
    {
        if (operation is null)
            throw new InputException($"{where} is null.");
        if ((operation.Put is null ? 0 : 1) + (operation.Delete is null ? 0 : 1) + (operation.Get is null ? 0 : 1) != 1)
            throw new InputException($"{where} needs exactly one of put, delete and get.");

        if (operation.Put is { } put)
        {
            var key = Key(put.Key, $"{where}.put");
            if (put.Value is null)
                throw new InputException($"{where}.put needs a value (base64).");

            TimeSpan? ttl = null;
            if (put.Ttl is not null)
            {
                ttl = DurationText.TryParse(put.Ttl, out var parsed)
                    ? parsed
                    : throw new InputException($"{where}.put.ttl must be a positive duration such as 500ms, 30s, 5m or 1h; got '{put.Ttl}'.");
            }

            return TxnOperation.Put(key, Base64(put.Value, $"{where}.put.value"), ttl);
        }

        return operation.Delete is { } delete
            ? TxnOperation.Delete(Key(delete.Key, $"{where}.delete"))
            : TxnOperation.Get(Key(operation.Get!.Key, $"{where}.get"));
    }

    private static string Key(string? key, string where)
        => string.IsNullOrEmpty(key) ? throw new InputException($"{where} needs a key.") : key;

    private static byte[] Base64(string text, string where)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new InputException($"{where} is not valid base64.");
        }
    }
}
