using System.Diagnostics;
using System.Text.Json;

namespace Quorum.Chaos.Tests;

/// <summary>Runs the quorum-chaos program (which needs root: it builds its own network namespace) and reads its JSON result.</summary>
internal static class ChaosRunner
{
    public static async Task<JsonElement> RunAsync(ITestOutputHelper output, TimeSpan timeout, params string[] args)
    {
        var work = Path.Combine(Path.GetTempPath(), "quorum-chaos-test-" + Guid.NewGuid().ToString("N")[..8]);
        var result = work + ".json";
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "quorum-chaos.dll"), "--verbose", "--work-dir", work, "--result", result, .. args])
            info.ArgumentList.Add(arg);

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await process.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                // SIGTERM lets the runner delete its namespace.
                Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
                process.WaitForExit(30_000);
            }

            output.WriteLine(await stdout);
            output.WriteLine(await stderr);
        }

        Assert.True(File.Exists(result), $"quorum-chaos exited with {process.ExitCode} and wrote no result.");
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(result));
        var root = document.RootElement.Clone();
        File.Delete(result);
        if (root.GetProperty("passed").GetBoolean() || args.Any(static a => a.StartsWith("--planted-", StringComparison.Ordinal)))
            Directory.Delete(work, recursive: true);
        else
            output.WriteLine($"kept for inspection: {work}");

        return root;
    }
}
