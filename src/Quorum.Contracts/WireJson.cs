using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Quorum.Contracts.Auth;
using Quorum.Contracts.Transactions;

namespace Quorum.Contracts;

/// <summary>Source-generated JSON for the contract's bodies, as the server, the client and the CLI read and write them.</summary>
[JsonSerializable(typeof(TxnBody))]
[JsonSerializable(typeof(TxnResponse))]
[JsonSerializable(typeof(UserBody))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(UserView[]))]
[JsonSerializable(typeof(RoleBody))]
[JsonSerializable(typeof(RoleView))]
[JsonSerializable(typeof(RoleView[]))]
[JsonSerializable(typeof(TokenAnswer))]
public sealed partial class WireJson : JsonSerializerContext
{
    /// <summary>
    /// Gets the context to read and write with. Field names are matched exactly, as the contract
    /// spells them (a misspelt field lands in the body's unknown fields, which are refused); quotes
    /// and non-ASCII text stay readable, since the JSON is served as application/json or printed,
    /// never embedded in HTML.
    /// </summary>
    public static WireJson Wire { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNameCaseInsensitive = false,
    });
}
