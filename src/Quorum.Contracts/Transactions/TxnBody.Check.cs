namespace Quorum.Contracts.Transactions;

/// <summary>Turning a transaction into its body and back, checking it on the way in.</summary>
public sealed partial record TxnBody
{
    private const string Shape = "A transaction has compare, success and failure; a compare has key and revision or value; an operation is put (key, value, ttl), delete (key) or get (key).";

    /// <summary>Writes a transaction as its body.</summary>
    /// <param name="request">The transaction.</param>
    /// <returns>The body.</returns>
    public static TxnBody From(TxnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new()
        {
            Compare = request.Compare.Select(static c => (TxnCompareBody?)new TxnCompareBody { Key = c.Key, Revision = c.Revision, Value = c.Revision is null ? Convert.ToBase64String(c.Value ?? []) : null }).ToList(),
            Success = request.Success.Select(Operation).ToList(),
            Failure = request.Failure.Select(Operation).ToList(),
        };

        static TxnOperationBody? Operation(TxnOperation operation) => operation.Type switch
        {
            TxnOperationType.Put => new() { Put = new() { Key = operation.Key, Value = Convert.ToBase64String(operation.Value ?? []), Ttl = operation.Ttl is { } ttl ? DurationText.Format(ttl) : null } },
            TxnOperationType.Delete => new() { Delete = new() { Key = operation.Key } },
            _ => new() { Get = new() { Key = operation.Key } },
        };
    }

    /// <summary>Checks the body as the contract states it and reads the transaction out of it.</summary>
    /// <returns>The transaction.</returns>
    /// <exception cref="TxnFormatException">Something is missing, malformed, or not in the contract; the message says where.</exception>
    public TxnRequest ToRequest()
    {
        RefuseUnknown(Unknown, "the body");
        return new(
            (Compare ?? []).Select(CheckCompare).ToList(),
            (Success ?? []).Select((o, i) => CheckOperation(o, $"success[{i}]")).ToList(),
            (Failure ?? []).Select((o, i) => CheckOperation(o, $"failure[{i}]")).ToList());
    }

    private static TxnCompare CheckCompare(TxnCompareBody? compare, int index)
    {
        var where = $"compare[{index}]";
        if (compare is null)
            throw new TxnFormatException($"{where} is null.");

        RefuseUnknown(compare.Unknown, where);
        var key = CheckKey(compare.Key, where);
        if ((compare.Revision is null) == (compare.Value is null))
            throw new TxnFormatException($"{where} needs exactly one of revision and value.");
        if (compare.Revision is < 0)
            throw new TxnFormatException($"{where}.revision must not be negative.");

        return compare.Revision is { } revision
            ? TxnCompare.RevisionIs(key, revision)
            : TxnCompare.ValueIs(key, Base64(compare.Value!, $"{where}.value"));
    }

    private static TxnOperation CheckOperation(TxnOperationBody? operation, string where)
    {
        if (operation is null)
            throw new TxnFormatException($"{where} is null.");

        RefuseUnknown(operation.Unknown, where);
        if ((operation.Put is null ? 0 : 1) + (operation.Delete is null ? 0 : 1) + (operation.Get is null ? 0 : 1) != 1)
            throw new TxnFormatException($"{where} needs exactly one of put, delete and get.");

        if (operation.Put is { } put)
        {
            RefuseUnknown(put.Unknown, $"{where}.put");
            var key = CheckKey(put.Key, $"{where}.put");
            if (put.Value is null)
                throw new TxnFormatException($"{where}.put needs a value (base64).");

            TimeSpan? ttl = null;
            if (put.Ttl is not null)
            {
                ttl = DurationText.TryParse(put.Ttl, out var parsed)
                    ? parsed
                    : throw new TxnFormatException($"{where}.put.ttl must be a positive duration such as 500ms, 30s, 5m or 1h; got '{put.Ttl}'.");
            }

            return TxnOperation.Put(key, Base64(put.Value, $"{where}.put.value"), ttl);
        }

        return operation.Delete is { } delete
            ? TxnOperation.Delete(CheckKeyOnly(delete, $"{where}.delete"))
            : TxnOperation.Get(CheckKeyOnly(operation.Get!, $"{where}.get"));
    }

    private static string CheckKeyOnly(TxnKeyBody body, string where)
    {
        RefuseUnknown(body.Unknown, where);
        return CheckKey(body.Key, where);
    }

    private static void RefuseUnknown(Dictionary<string, System.Text.Json.JsonElement>? unknown, string where)
    {
        if (unknown is { Count: > 0 })
            throw new TxnFormatException($"unknown property '{unknown.Keys.First()}' in {where}. {Shape}");
    }

    private static string CheckKey(string? key, string where)
        => string.IsNullOrEmpty(key) ? throw new TxnFormatException($"{where} needs a key.") : key;

    private static byte[] Base64(string text, string where)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new TxnFormatException($"{where} is not valid base64.");
        }
    }
}
