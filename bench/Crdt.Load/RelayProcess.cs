using System.Globalization;
using Crdt.Testing;

namespace Crdt.Load;

/// <summary>
/// The relay under load, in its own process (<c>Crdt.Relay serve</c> on loopback, SQLite in a
/// temporary folder), so that its CPU time and peak memory are its own and not the devices'.
/// Started by the launcher tests share (<see cref="RelayServeProcess"/>).
/// </summary>
internal sealed class RelayProcess : IAsyncDisposable
{
    private readonly RelayServeProcess _process;

    private RelayProcess(RelayServeProcess process) => _process = process;

    public Uri Address => _process.Address;

    public int Pid => _process.Pid;

    /// <summary>Registers an admin device with the relay's CLI (the operator's way) and returns its token.</summary>
    /// <remarks><paramref name="postgres"/>: the relays' PostgreSQL database, null for SQLite in <paramref name="dataDirectory"/>.</remarks>
    public static async Task<string> RegisterAdminAsync(string dataDirectory, string? postgres, CancellationToken cancellationToken)
    {
        string[] args = ["device", "add", "--data", dataDirectory, "--name", "load-admin", "--role", "admin"];
        var result = await DotnetProcess.RunAsync(CliStart(args, postgres), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0) throw new InvalidOperationException($"relay CLI '{string.Join(' ', args)}' exited {result.ExitCode}: {result.Stderr}");
        return result.Stdout.Trim().Length > 0 ? result.LastLine : throw new InvalidOperationException("the relay CLI printed no admin token");
    }

    public static async Task<RelayProcess> StartAsync(string dataDirectory, string? postgres, CancellationToken cancellationToken) =>
        new(await RelayServeProcess.StartAsync(CliStart(["serve", "--data", dataDirectory, "--listen", "127.0.0.1:0", "--web-listen", "none"], postgres),
            TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false));

    /// <summary>User + system CPU seconds the relay process has used so far (from /proc).</summary>
    public double CpuSeconds() => _process.CpuSeconds();

    /// <summary>The relay's peak resident set size in bytes (VmHWM).</summary>
    public long PeakRssBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
        return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    // Crdt.Relay.dll is copied beside this harness by the project reference. A PostgreSQL connection
    // string goes through the environment (CRDT_RELAY_POSTGRES), out of process listings.
    private static System.Diagnostics.ProcessStartInfo CliStart(IEnumerable<string> args, string? postgres)
    {
        string relayDll = Path.Combine(AppContext.BaseDirectory, "Crdt.Relay.dll");
        if (!File.Exists(relayDll)) throw new FileNotFoundException("Crdt.Relay.dll is not beside the load harness", relayDll);
        return DotnetProcess.StartInfo(relayDll, args, postgres is null ? null : new Dictionary<string, string> { ["CRDT_RELAY_POSTGRES"] = postgres });
    }
}
