using Quorum.Client;

namespace Quorum.Cli;

/// <summary>What a client verb works with: a client for the members, and the standard streams.</summary>
/// <param name="Client">The client, which moves on to the next member when one is unreachable or has no leader.</param>
/// <param name="Console">The standard streams.</param>
/// <param name="Options">The credentials and TLS settings the client was made with, for a verb that must ask one member in particular.</param>
internal sealed record ClientSession(QuorumClient Client, CliConsole Console, QuorumClientOptions Options);
