using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Quorum.IntegrationTests.Infrastructure;

namespace Quorum.IntegrationTests;

/// <summary>
/// <c>dotnet pack src/Quorum.Client</c> gives a package that stands alone: its README and metadata,
/// Quorum.Contracts inside it, and the README's usage example builds against it and runs against a
/// real node.
/// </summary>
public sealed class ClientPackageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Client_package_has_its_readme_and_its_readme_example_runs_from_it()
    {
        using var work = new TemporaryDirectory("quorum-pack");
        var feed = Directory.CreateDirectory(Path.Combine(work.Path, "feed")).FullName;
        var root = QuorumProgram.RepositoryRoot;
        await RunAsync(root, null, "pack", "src/Quorum.Client", "-o", feed, "-nologo");

        var package = Assert.Single(Directory.GetFiles(feed, "*.nupkg"));
        string readme;
        XElement metadata;
        using (var zip = ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(static e => e.FullName).ToArray();
            Assert.Contains("README.md", entries);
            Assert.Contains("lib/net10.0/Quorum.Client.dll", entries);
            Assert.Contains("lib/net10.0/Quorum.Contracts.dll", entries);
            using (var reader = new StreamReader(zip.GetEntry("README.md")!.Open()))
                readme = await reader.ReadToEndAsync();
            using var nuspec = zip.Entries.Single(static e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
            metadata = XDocument.Load(nuspec).Root!.Elements().Single(static e => e.Name.LocalName == "metadata");
        }

        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(root, "src", "Quorum.Client", "README.md")), readme);
        string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal("Quorum.Client", Field("id"));
        Assert.Equal("README.md", Field("readme"));
        Assert.Equal("MIT", Field("license"));
        Assert.Contains("raft", Field("tags") ?? string.Empty, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(Field("description")));
        var dependencies = metadata.Descendants().Where(static e => e.Name.LocalName == "dependency").Select(static e => e.Attribute("id")!.Value).ToArray();
        Assert.DoesNotContain("Quorum.Contracts", dependencies); // inside the package instead

        // A program outside the repository, made of the README's first example, that takes the
        // client from the package alone (and its dependencies from the package feed).
        var consumer = Directory.CreateDirectory(Path.Combine(work.Path, "consumer")).FullName;
        var version = Field("version");
        await File.WriteAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Quorum.Client" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="quorum-test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), FirstCSharpBlock(readme));

        await using var cluster = await TestCluster.StartAsync(1, output);
        var printed = await RunAsync(
            consumer,
            Path.Combine(work.Path, "packages"), // a cache of its own: never a stale Quorum.Client from an earlier run
            "run", "--project", consumer, "--", cluster[0].HttpUrl);

        Assert.Contains("postgres://db:5432", printed, StringComparison.Ordinal);
        Assert.Contains("config/db = postgres://db2:5432", printed, StringComparison.Ordinal);
        Assert.Contains("lock taken", printed, StringComparison.Ordinal);
        Assert.Contains("Put config/db", printed, StringComparison.Ordinal);
        Assert.Contains($"{cluster[0].Id} is leader", printed, StringComparison.Ordinal);
    }

    private static string FirstCSharpBlock(string markdown)
    {
        const string Fence = "```csharp\n";
        var start = markdown.IndexOf(Fence, StringComparison.Ordinal) + Fence.Length;
        var end = markdown.IndexOf("```", start, StringComparison.Ordinal);
        Assert.True(start >= Fence.Length && end > start, "the README has no ```csharp example");
        return markdown[start..end];
    }

    private async Task<string> RunAsync(string directory, string? packages, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        if (packages is not null)
            info.Environment["NUGET_PACKAGES"] = packages;

        var started = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start dotnet.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(ToolTimeout);
        await process.WaitForExitAsync(deadline.Token);
        output.WriteLine($"dotnet {args[0]}: {started.Elapsed.TotalSeconds:0.0}s\n{await stdout}");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}
