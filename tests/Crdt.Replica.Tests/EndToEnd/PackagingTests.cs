using System.Text.RegularExpressions;
using Crdt.Replica.Tests.Infrastructure;

namespace Crdt.Replica.Tests.EndToEnd;

/// <summary>
/// The packages an app embeds (Crdt.Core, Crdt.Contract, Crdt.Replica) are packed from this build
/// into a local folder feed, and a fresh console app outside the repository, restored from that
/// feed, builds README's embedding sample (samples/Embedding/Program.cs, the same file) and runs it
/// against a real relay: so the packages and the sample cannot rot.
/// </summary>
[Collection(nameof(PackagingTests))]
public sealed class PackagingTests : IClassFixture<RelayFixture>
{
    private static readonly TimeSpan SdkTimeout = TimeSpan.FromMinutes(5);
    private readonly RelayFixture relay;

    public PackagingTests(RelayFixture relay) => this.relay = relay;

    [Fact]
    public async Task An_app_restored_from_the_packed_packages_runs_the_embedding_sample_against_a_relay()
    {
        using var dir = new TempDirectory();
        var feed = dir.File("feed");
        var app = dir.File("app");
        Directory.CreateDirectory(app);
        // A version of its own, so no copy of an earlier run in the NuGet cache can stand in for this build.
        // The random part starts with a letter: six hex digits can all be digits, and SemVer refuses a
        // numeric prerelease identifier with a leading zero ("064269"), which failed the pack now and then.
        var version = $"0.9.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.r{Guid.NewGuid().ToString("N")[..6]}";
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";

        foreach (var project in new[] { "Crdt.Core", "Crdt.Contract", "Crdt.Replica" })
        {
            var pack = await ProcessRunner.RunSdkAsync(RepoPaths.Root,
                ["pack", Path.Combine(project, project + ".csproj"), "-c", configuration, "--no-build", "-o", feed, $"-p:Version={version}"], SdkTimeout);
            Assert.True(pack.ExitCode == 0, $"pack {project} failed:\n{pack.Stdout}\n{pack.Stderr}");
        }
        var packed = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(new[] { "Crdt.Contract", "Crdt.Core", "Crdt.Replica" }.Select(p => $"{p}.{version}.nupkg"), packed);

        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"),
            $"""<?xml version="1.0" encoding="utf-8"?><configuration><packageSources><add key="crdt-local" value="{feed}" /></packageSources></configuration>""");
        await File.WriteAllTextAsync(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Crdt.Replica" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.Copy(Path.Combine(RepoPaths.Root, "samples", "Embedding", "Program.cs"), Path.Combine(app, "Program.cs"));

        var build = await ProcessRunner.RunSdkAsync(app, ["build", "-c", "Release", "-nologo"], SdkTimeout);
        Assert.True(build.ExitCode == 0, $"the app did not build against the packages:\n{build.Stdout}\n{build.Stderr}");
        var run = await ProcessRunner.RunSdkAsync(app,
            ["bin/Release/net10.0/App.dll", relay.Url, relay.Tokens["dispatch"], dir.File("embedded.db")], TimeSpan.FromMinutes(1));

        Assert.True(run.ExitCode == 0, $"the sample failed:\n{run.Stdout}\n{run.Stderr}");
        Assert.Matches(new Regex(@"^WO-\w+ 'Boiler service' open: 1\.5 h, 0 pending, 0 flag\(s\)$", RegexOptions.Multiline), run.Stdout);
    }
}

/// <summary>Packing and building an app takes both cores for a while: run it alone, so the
/// timing-sensitive live-sync tests of other classes do not run beside it.</summary>
[CollectionDefinition(nameof(PackagingTests), DisableParallelization = true)]
public sealed class PackagingCollection;
