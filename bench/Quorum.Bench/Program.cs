using System.Text.Json;
using Quorum.Bench;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.Out.Write(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    await Console.Error.WriteLineAsync($"quorum-bench: {e.Message}\n\n{BenchOptions.Usage}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

await using IStoreDriver driver = options.Target == "etcd"
    ? new EtcdDriver(options.Endpoints)
    : new QuorumDriver(options.Endpoints, options.Clients);
var result = await BenchRunner.RunAsync(options, driver, cancel.Token);

if (options.Json)
{
    Console.Out.WriteLine(JsonSerializer.Serialize(result, BenchJson.Default.BenchResult));
}
else
{
    Console.Out.WriteLine(BenchResult.TableHeader);
    Console.Out.WriteLine(result.TableRow());
    if (result.FirstError is { } error)
        Console.Out.WriteLine($"first error: {error}");
}

return result.Operations > 0 ? 0 : 1;
