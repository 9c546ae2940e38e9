using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>One run of the built <c>quorum</c> program, with its output captured; killed on dispose if still running.</summary>
internal sealed class QuorumProgram : IAsyncDisposable
{
    private static readonly string[] NodeVariables = ["PORT", "STORAGE_PATH", "RAFT_ADDRESS", "RAFT_PORT", "RAFT_LEADER", "HTTP_ADDRESS", "NODE_ID", "ADVERTISE_RAFT", "ADVERTISE_HTTP"];

    private readonly ConcurrentQueue<string> output = new();
    private readonly Process process;

    private QuorumProgram(ProcessStartInfo info, string? workingDirectory, IReadOnlyDictionary<string, string>? environment, Action<IDictionary<string, string?>>? editEnvironment = null)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = workingDirectory ?? System.IO.Path.GetTempPath();

        // The node-configuration variables of the test runner must not leak into the program.
        foreach (var variable in NodeVariables)
            info.Environment.Remove(variable);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;
        editEnvironment?.Invoke(info.Environment);

        process = Process.Start(info) ?? throw new InvalidOperationException("Could not start quorum.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Gets the path of the built program.</summary>
    public static string Path { get; } = FindProgram();

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Gets everything the program printed so far.</summary>
    public string Output => string.Join('\n', output);

    /// <summary>Starts the program with exactly these arguments.</summary>
    /// <param name="args">The arguments, starting with the verb.</param>
    /// <param name="workingDirectory">Where it runs (default: the temp folder).</param>
    /// <param name="environment">Variables to set; the node-configuration variables of the test runner are removed.</param>
    /// <param name="launcher">A command that runs the program, its command line appended (such as <see cref="PrivateNetwork.NewNamespace"/>); it must exec it, so that the process started is the program.</param>
    public static QuorumProgram Start(IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null)
        => new(StartInfo(args, launcher), workingDirectory, environment);

    /// <summary>Starts a program file itself (such as a published single-file <c>quorum</c>), not through <c>dotnet</c>.</summary>
    /// <param name="executable">The program file.</param>
    /// <param name="args">The arguments, starting with the verb.</param>
    /// <param name="environment">Variables to set.</param>
    /// <param name="editEnvironment">Changes the environment last, such as removing variables.</param>
    public static QuorumProgram StartExecutable(string executable, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, Action<IDictionary<string, string?>>? editEnvironment = null)
    {
        var info = new ProcessStartInfo(executable) { UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        return new(info, workingDirectory: null, environment, editEnvironment);
    }

    /// <summary>Builds the start of <c>dotnet quorum.dll ARGS</c>, behind <paramref name="launcher"/> if given, without shell and with nothing redirected yet.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyList<string>? launcher)
    {
        IEnumerable<string> command = [.. launcher ?? [], "dotnet", Path, .. args];
        var info = new ProcessStartInfo(command.First()) { UseShellExecute = false };
        foreach (var arg in command.Skip(1))
            info.ArgumentList.Add(arg);
        return info;
    }

    /// <summary>Waits for the program to exit by itself.</summary>
    /// <returns>The exit code.</returns>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        process.WaitForExit(); // drains the captured output
        return process.ExitCode;
    }

    /// <summary>Sends SIGTERM and waits for the program to exit.</summary>
    /// <returns>The exit code.</returns>
    public Task<int> StopAsync(TimeSpan timeout)
    {
        if (!process.HasExited)
            Signals.Send(process.Id, Signals.Terminate);
        return WaitForExitAsync(timeout);
    }

    /// <summary>Kills the program with SIGKILL, as a crash would.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            // The whole tree: a launcher (strace) may run the program as its child.
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            try
            {
                Signals.Send(process.Id, Signals.Continue);
            }
            catch (InvalidOperationException)
            {
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    /// <summary>Finds a program built from this repository, in the configuration the tests were built in.</summary>
    /// <param name="project">The project directory, relative to the repository root.</param>
    /// <param name="assembly">The program's assembly file name.</param>
    public static string FindBuilt(string project, string assembly)
    {
        var configuration = typeof(QuorumProgram).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var program = System.IO.Path.Combine(RepositoryRoot, project, "bin", configuration, "net10.0", assembly);
        return File.Exists(program) ? program : throw new FileNotFoundException($"Build {project} first: {program} is missing.");
    }

    /// <summary>Gets the repository's root folder (the one holding Quorum.slnx), found above the test binaries.</summary>
    /// <remarks>Lazy: <see cref="Path"/>'s initializer, which runs first, needs it.</remarks>
    public static string RepositoryRoot => repositoryRoot ??= FindRepositoryRoot();

    private static string? repositoryRoot;

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Quorum.slnx")))
                return directory.FullName;
        }

        throw new DirectoryNotFoundException("Could not find the repository root (Quorum.slnx) above the test binaries.");
    }

    private static string FindProgram() => FindBuilt(System.IO.Path.Combine("src", "Quorum"), "quorum.dll");
}
