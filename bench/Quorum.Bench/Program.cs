using System.CommandLine;
using System.Text.Json;
using Quorum.Bench;

var command = BenchOptions.CreateCommand();
command.SetAction((result, _) => RunAsync(BenchOptions.From(result)));
var parsed = command.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        await Console.Error.WriteLineAsync($"quorum-bench: {error.Message}");

    await Console.Error.WriteLineAsync("\nusage: quorum-bench [options] ('quorum-bench --help' lists them)");
    return 2;
}

// Ctrl-C ends the run through the program's own token, not System.CommandLine's.
return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });

static async Task<int> RunAsync(BenchOptions options)
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancel.Cancel();
    };

    await using IStoreDriver driver = options.Target == "etcd"
        ? new EtcdDriver(options.Endpoints, options.Security, options.RoundRobin)
        : new QuorumDriver(options.Endpoints, options.Clients, options.Security, options.RoundRobin);
    var result = await BenchRunner.RunAsync(options, driver, cancel.Token);

    if (options.Json)
    {
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(result, BenchJson.Default.BenchResult));
    }
    else
    {
        await Console.Out.WriteLineAsync(BenchResult.TableHeader);
        await Console.Out.WriteLineAsync(result.TableRow());
        if (result.FirstError is { } error)
            await Console.Out.WriteLineAsync($"first error: {error}");
    }

    return result.Operations > 0 ? 0 : 1;
}
