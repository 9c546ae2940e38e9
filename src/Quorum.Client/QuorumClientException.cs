using System.Net;

namespace Quorum.Client;

/// <summary>The server answered with an error: the contract's <c>{"error":"..."}</c> and its status.</summary>
public sealed class QuorumClientException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="QuorumClientException"/> class.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="message">The server's error message.</param>
    /// <param name="revision">The revision the error carries: for 412 the key's current revision (0: absent), for 410 the oldest revision a watch can start from.</param>
    public QuorumClientException(HttpStatusCode statusCode, string message, long? revision = null)
        : base(message)
    {
        StatusCode = statusCode;
        Revision = revision;
    }

    /// <summary>Gets the HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Gets the revision the error carries: for 412 the key's current revision (0: absent), for 410 the oldest revision a watch can start from.</summary>
    public long? Revision { get; }

    /// <summary>Gets a value indicating that a conditional write failed its condition (412); nothing changed.</summary>
    public bool IsPreconditionFailed => StatusCode == HttpStatusCode.PreconditionFailed;

    /// <summary>Gets a value indicating that the request changed nothing and may simply be retried (503).</summary>
    public bool IsRetryable => StatusCode == HttpStatusCode.ServiceUnavailable;

    /// <summary>Gets a value indicating that a write's outcome is unknown (504): it may or may not have been applied.</summary>
    public bool IsOutcomeUnknown => StatusCode == HttpStatusCode.GatewayTimeout;
}
