using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Crdt.Grpc.Tests.Support;

/// <summary>
/// A real @grpc/grpc-js TestService server (tests/node/grpc-js-test-server.mjs) for the reverse
/// interop direction. Installs tests/node's packages if missing.
/// </summary>
public sealed partial class GrpcJsServerFixture : IAsyncLifetime
{
    private Process? _process;

    public string Address { get; private set; } = "";

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CrdtFieldStore.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("CrdtFieldStore.sln not found above the test binaries.");
        }
    }

    public async Task InitializeAsync()
    {
        var nodeDir = Path.Combine(RepoRoot, "tests", "node");
        if (!Directory.Exists(Path.Combine(nodeDir, "node_modules", "@grpc", "grpc-js")))
        {
            await RunToEndAsync("npm", nodeDir, "ci", "--no-audit", "--no-fund", "--loglevel=error");
        }

        var start = new ProcessStartInfo("node") { WorkingDirectory = nodeDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "grpc-js-test-server.mjs", "--port", "0" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        _process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            var match = ListeningLine().Match(line);
            if (match.Success)
            {
                Address = "http://" + match.Groups[1].Value;
                return;
            }
        }

        throw new InvalidOperationException("The grpc-js test server exited before listening.");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        return Task.CompletedTask;
    }

    private static async Task RunToEndAsync(string fileName, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}.");
        }
    }

    [GeneratedRegex(@"listening on ([0-9.]+:\d+)")]
    private static partial Regex ListeningLine();
}
