using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Crdt.Relay.Tests.Support;

/// <summary>A real <c>Crdt.Relay serve</c> process (the built Crdt.Relay.dll beside the tests) on an
/// ephemeral 127.0.0.1 port, its storage given through the environment as an operator would.</summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServeProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ServeProcess> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "Crdt.Relay.dll"), "serve", "--listen", "127.0.0.1:0", "--web-listen", "none"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (ServingLine().Match(line) is { Success: true } match)
                {
                    _ = process.StandardOutput.ReadToEndAsync();
                    _ = process.StandardError.ReadToEndAsync();
                    return new ServeProcess(process, new Uri(match.Groups[1].Value));
                }
            }
            throw new InvalidOperationException($"serve exited before serving: {await process.StandardError.ReadToEndAsync()}");
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Starts <paramref name="count"/> processes at once (start-up is mostly JIT, so they overlap
    /// on two cores); when one fails, the others are stopped and the failure thrown.</summary>
    public static async Task<ServeProcess[]> StartManyAsync(int count, IReadOnlyDictionary<string, string> environment)
    {
        var starting = Enumerable.Range(0, count).Select(_ => StartAsync(environment)).ToArray();
        try
        {
            return await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var task in starting.Where(t => t.IsCompletedSuccessfully)) await task.Result.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"relay serving (\S+)")]
    private static partial Regex ServingLine();
}
