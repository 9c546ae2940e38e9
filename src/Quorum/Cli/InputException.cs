namespace Quorum.Cli;

/// <summary>What a client verb read from a file or standard input is malformed, such as a transaction that is not valid JSON. Exit code 1.</summary>
/// <param name="message">What is wrong.</param>
internal sealed class InputException(string message) : Exception(message);
