using Quorum;
using Quorum.Serve;
using Quorum.Store;

const string Usage = """
    usage: quorum <command> [options]

    commands:
      serve      run a node (see 'quorum serve --help')
      help       show this text

    """;

if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
{
    Console.Out.Write(Usage);
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
        default:
            throw new UsageException($"unknown command '{args[0]}'");
    }
}
catch (UsageException e)
{
    await Console.Error.WriteLineAsync($"quorum: {e.Message}\n\n{Usage}");
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
