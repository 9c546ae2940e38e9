namespace Quorum.Cli;

/// <summary>A client verb: its name, its flags (besides <c>--endpoints</c> and <c>--help</c>, which every verb takes) and what it does.</summary>
/// <param name="Name">The verb, such as <c>get</c>.</param>
/// <param name="ValueFlags">The flags that take a value.</param>
/// <param name="Switches">The flags that take none.</param>
/// <param name="RunAsync">Runs the verb and returns its exit code; errors from the server are thrown as they are, for <see cref="ClientVerbs"/> to report.</param>
internal sealed record ClientVerb(
    string Name,
    IReadOnlyList<string> ValueFlags,
    IReadOnlyList<string> Switches,
    Func<VerbArguments, ClientSession, CancellationToken, Task<int>> RunAsync);
