using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;

namespace Quorum.Server.WebConsole;

/// <summary>One file of the console, read from the program's embedded resources.</summary>
/// <param name="Content">The file's bytes.</param>
/// <param name="ContentType">Its media type, with a charset for text.</param>
/// <param name="ETag">A strong entity tag derived from the content, so a browser revalidates cheaply and an upgraded node serves new files at once.</param>
internal sealed record ConsoleAsset(byte[] Content, string ContentType, string ETag);

/// <summary>
/// The console's static files, embedded in Quorum.Server (see its project file, which names each
/// <c>WebConsole/wwwroot/*</c> file <c>WebConsole/NAME</c>): a node serves them with nothing on disk,
/// so the console always matches the node's API.
/// </summary>
internal static class ConsoleAssets
{
    private const string ResourcePrefix = "WebConsole/";

    private static readonly FrozenDictionary<string, ConsoleAsset> Files = Load();

    /// <summary>Finds a file by its path under <c>/ui/</c>; the empty path is <c>index.html</c>.</summary>
    /// <param name="path">The path, such as <c>app.js</c>.</param>
    /// <returns>The file, or <see langword="null"/> if the console has none by that name.</returns>
    public static ConsoleAsset? Find(string? path)
        => Files.GetValueOrDefault(string.IsNullOrEmpty(path) ? "index.html" : path);

    private static FrozenDictionary<string, ConsoleAsset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var types = new FileExtensionContentTypeProvider();
        var files = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(static n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var content = Read(assembly, name);
            var path = name[ResourcePrefix.Length..];
            var type = types.TryGetContentType(path, out var known) ? known : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal))
                type += "; charset=utf-8";

            files[path] = new ConsoleAsset(content, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12))}\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Embedded resource '{name}' is listed but cannot be opened.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
