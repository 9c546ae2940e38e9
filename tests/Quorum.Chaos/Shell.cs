using System.Diagnostics;

namespace Quorum.Chaos;

/// <summary>Runs system commands (ip, iptables, setpriv) and fails loudly when they fail.</summary>
internal static class Shell
{
    /// <summary>Runs a command to completion.</summary>
    /// <returns>Its exit code and combined output.</returns>
    public static (int ExitCode, string Output) Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>Runs a command and throws when it exits non-zero.</summary>
    /// <returns>Its output.</returns>
    public static string Check(string program, params string[] args)
    {
        var (code, output) = Run(program, args);
        return code == 0 ? output : throw new InvalidOperationException($"'{program} {string.Join(' ', args)}' failed with exit code {code}: {output.Trim()}");
    }
}
