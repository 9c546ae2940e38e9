using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Quorum;
using Quorum.Cli;
using Quorum.Serve;
using Quorum.Store;

var usage = $"""
    usage: quorum <command> [options]

    commands:
      serve      run a node (see 'quorum serve --help')
      get, put, del, ls, watch, txn, status
                 read and write a cluster (below; 'quorum VERB --help' for one)
      snapshot save FILE | status FILE | restore FILE --data-dir DIR [node flags]
                 back up a cluster, check a backup, restore one as a new cluster
                 ('quorum snapshot restore --help')
      recover --data-dir DIR
                 disaster recovery: make one stopped survivor a one-node cluster
                 ('quorum recover --help')
      help       show this text

    {ClientHelp.Text}
    """;

var root = new RootCommand("Quorum: a replicated, strongly consistent key-value server.");
root.Subcommands.Add(ServeCommand.Create());
foreach (var verb in ClientVerbs.CreateAll())
    root.Subcommands.Add(verb);
root.Subcommands.Add(RecoverVerb.Create());

var help = new Command("help", "show the usage");
help.SetAction(_ => Print(Console.Out, ExitCodes.Success));
root.Subcommands.Add(help);
var helpOption = root.Options.OfType<HelpOption>().Single();
helpOption.Action = new RootHelpAction(() => Print(Console.Out, ExitCodes.Success), (SynchronousCommandLineAction)helpOption.Action!);
root.SetAction(_ => Print(Console.Error, ExitCodes.Usage));

// No response files: an argument such as "@config" is a key, not a file to expand.
var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
var errors = parsed.Errors.Select(static e => e.Message).ToList();
if (errors.Count == 0 && VerbSymbols.FindDashedArgument(parsed) is { } dashed)
    errors.Add($"unknown option '{dashed}' (put '--' before a key or value that starts with '-')");

if (errors.Count > 0 && parsed.Action is not RootHelpAction)
{
    foreach (var error in errors)
        await Console.Error.WriteLineAsync($"quorum: {error}");

    await Console.Error.WriteAsync($"\n{usage}");
    return ExitCodes.Usage;
}

try
{
    // Errors reach the handlers below, and the commands handle SIGTERM and Ctrl-C themselves.
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"quorum: {e.Message}\n\n{usage}");
    return ExitCodes.Usage;
}
catch (ConfigurationException e)
{
    await Console.Error.WriteLineAsync($"quorum: {e.Message}");
    return ExitCodes.BadConfiguration;
}
catch (QuorumException e)
{
    await Console.Error.WriteLineAsync($"quorum: {e.Message}");
    return ExitCodes.BadConfiguration;
}

int Print(TextWriter writer, int exitCode)
{
    writer.Write(usage);
    return exitCode;
}

/// <summary>
/// <c>--help</c>: for <c>quorum --help</c> the whole usage, which says more than generated help
/// would (the exit codes); for a command, System.CommandLine's help of that command. Help is
/// shown even when the rest of the command line is incomplete.
/// </summary>
/// <param name="printUsage">Prints the usage and returns the exit code.</param>
/// <param name="generated">System.CommandLine's own help.</param>
internal sealed class RootHelpAction(Func<int> printUsage, SynchronousCommandLineAction generated) : SynchronousCommandLineAction
{
    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
        => parseResult.CommandResult.Command is RootCommand ? printUsage() : generated.Invoke(parseResult);
}
