namespace Quorum.Server.Http;

/// <summary>A request the server refuses, with the status and the words the client gets back.</summary>
/// <param name="statusCode">The HTTP status.</param>
/// <param name="message">What went wrong, in words a user can act on.</param>
internal sealed class ApiException(int statusCode, string message) : Exception(message)
{
    /// <summary>Gets the HTTP status.</summary>
    public int StatusCode => statusCode;

    /// <summary>A 400 for bad input.</summary>
    /// <param name="message">What is wrong with the input.</param>
    /// <returns>The exception.</returns>
    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
}
