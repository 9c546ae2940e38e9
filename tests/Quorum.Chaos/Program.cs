using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Quorum.Chaos;
using Quorum.Chaos.Network;

var command = ChaosOptions.CreateCommand();
command.SetAction((result, _) =>
{
    var options = ChaosOptions.From(result);
    return options.Inside ? RunInsideAsync(options) : Task.FromResult(RunOutside(options));
});

var parsed = command.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        await Console.Error.WriteLineAsync($"quorum-chaos: {error.Message}");

    await Console.Error.WriteLineAsync("\nusage: quorum-chaos [options] ('quorum-chaos --help' lists them)");
    return 2;
}

// The run handles SIGTERM and Ctrl-C itself (it must delete the namespace), so System.CommandLine does not.
return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });

// Outside: create the private namespace, run this program again inside it, and delete the
// namespace (killing whatever is left in it) however the run ends, Ctrl-C included.
static int RunOutside(ChaosOptions options)
{
    if (!Environment.IsPrivilegedProcess)
    {
        Console.Error.WriteLine("quorum-chaos: must run as root: it creates a network namespace, firewall rules, and runs nodes under their own uids.");
        return 1;
    }

    using var network = NetworkNamespace.Create();
    var info = new ProcessStartInfo("ip") { UseShellExecute = false };
    foreach (var arg in (string[])["netns", "exec", network.Name, "dotnet", Path.Combine(AppContext.BaseDirectory, "quorum-chaos.dll"), "--inside", .. options.InsideArguments()])
        info.ArgumentList.Add(arg);

    using var inside = Process.Start(info) ?? throw new InvalidOperationException("Could not start the run inside the namespace.");
    void Forward(PosixSignalContext context)
    {
        context.Cancel = true;
        Shell.Run("kill", "-TERM", inside.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Forward);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Forward);
    inside.WaitForExit();
    return inside.ExitCode;
}

static async Task<int> RunInsideAsync(ChaosOptions options)
{
    using var stop = new CancellationTokenSource();
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
    try
    {
        var report = await ChaosRun.RunAsync(options, stop.Token);
        if (options.ResultPath is { } resultPath)
            await File.WriteAllTextAsync(resultPath, report.ToJson());

        Console.Out.WriteLine(report.SummaryLine());
        return report.Passed ? 0 : 3;
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        Console.Error.WriteLine("quorum-chaos: interrupted");
        return 130;
    }
}
