using Quorum;
using Quorum.Cli;
using Quorum.Serve;
using Quorum.Store;

var usage = $"""
    usage: quorum <command> [options]

    commands:
      serve      run a node (see 'quorum serve --help')
      get, put, del, ls, watch, txn
                 read and write a cluster (below)
      help       show this text

    {ClientHelp.Text}
    """;

if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
{
    Console.Out.Write(usage);
    return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Success;
}

try
{
    switch (args[0])
    {
        case "serve" when args.Skip(1).Any(a => a is "--help" or "-h"):
            Console.Out.Write(ServeHelp.Text);
            return ExitCodes.Success;
        case "serve":
            return await ServeCommand.RunAsync(args[1..]);
        case var name when ClientVerbs.Find(name) is { } verb:
            return await ClientVerbs.RunAsync(verb, args[1..]);
        default:
            throw new UsageException($"unknown command '{args[0]}'");
    }
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
