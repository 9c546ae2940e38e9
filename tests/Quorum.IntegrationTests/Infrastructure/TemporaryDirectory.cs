namespace Quorum.IntegrationTests.Infrastructure;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
/// <param name="prefix">The start of its name.</param>
internal sealed class TemporaryDirectory(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 11)])).FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
