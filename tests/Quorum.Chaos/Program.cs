using System.Diagnostics;
using System.Runtime.InteropServices;
using Quorum.Chaos;
using Quorum.Chaos.Network;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.Out.Write(ChaosOptions.Usage);
    return 0;
}

ChaosOptions options;
try
{
    options = ChaosOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    await Console.Error.WriteLineAsync($"quorum-chaos: {e.Message}\n\n{ChaosOptions.Usage}");
    return 2;
}

return options.Inside ? await RunInsideAsync(options) : RunOutside(options);

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
    foreach (var arg in (string[])["netns", "exec", network.Name, "dotnet", Path.Combine(AppContext.BaseDirectory, "quorum-chaos.dll"), "--inside", .. options.Arguments])
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
