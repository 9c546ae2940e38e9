using System.Text;

namespace Quorum.Cli;

/// <summary>
/// The standard streams of a client verb: bytes in and out for values, and UTF-8 text (no byte
/// order mark, <c>\n</c> line ends) for lines. Text is buffered: flush it before writing bytes, and
/// after each line a reader may be waiting for.
/// </summary>
internal sealed class CliConsole : IAsyncDisposable
{
    private CliConsole(Stream input, Stream output, TextWriter error)
    {
        Input = input;
        Output = output;
        Out = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true) { NewLine = "\n" };
        Error = error;
    }

    /// <summary>Gets standard input, as bytes.</summary>
    public Stream Input { get; }

    /// <summary>Gets standard output, as bytes.</summary>
    public Stream Output { get; }

    /// <summary>Gets standard output, as text.</summary>
    public TextWriter Out { get; }

    /// <summary>Gets standard error, as text.</summary>
    public TextWriter Error { get; }

    /// <summary>Opens the process's standard streams.</summary>
    /// <returns>The console.</returns>
    public static CliConsole Open() => new(Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error);

    /// <summary>Reads standard input to its end.</summary>
    /// <param name="token">Cancels the read.</param>
    /// <returns>Every byte of it.</returns>
    public async Task<byte[]> ReadInputAsync(CancellationToken token)
    {
        using var buffer = new MemoryStream();
        await Input.CopyToAsync(buffer, token);
        return buffer.ToArray();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Out.FlushAsync();
            await Output.FlushAsync();
        }
        catch (IOException)
        {
            // Whoever read standard output has gone (quorum ls | head): there is no one to tell.
        }

        await Out.DisposeAsync().AsTask().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Output.DisposeAsync();
        await Input.DisposeAsync();
    }
}
