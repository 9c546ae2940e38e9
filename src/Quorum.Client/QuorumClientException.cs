using System.Net;

namespace Quorum.Client;

/// <summary>The server answered with an error: the contract's <c>{"error":"..."}</c> and its status.</summary>
public sealed class QuorumClientException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="QuorumClientException"/> class.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="message">The server's error message.</param>
    public QuorumClientException(HttpStatusCode statusCode, string message)
        : base(message) => StatusCode = statusCode;

    /// <summary>Gets the HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets a value indicating that the request changed nothing and may simply be retried (503).</summary>
    public bool IsRetryable => StatusCode == HttpStatusCode.ServiceUnavailable;

    /// <summary>Gets a value indicating that a write's outcome is unknown (504): it may or may not have been applied.</summary>
    public bool IsOutcomeUnknown => StatusCode == HttpStatusCode.GatewayTimeout;
}
