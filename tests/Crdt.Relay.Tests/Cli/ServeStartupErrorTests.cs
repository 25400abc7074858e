using System.Net;
using System.Net.Sockets;
using Crdt.Testing;

namespace Crdt.Relay.Tests.Cli;

/// <summary>An operator who starts <c>serve</c> on a port already taken gets one line naming the
/// address and exit code 1, not a stack trace in the log (a real process: the host logs to the console).</summary>
public sealed class ServeStartupErrorTests
{
    [Fact]
    public async Task A_port_already_in_use_is_one_line_and_exit_code_1()
    {
        using var data = new TempFolder();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var result = await DotnetProcess.RunAsync(Path.Combine(AppContext.BaseDirectory, "Crdt.Relay.dll"),
            ["serve", "--data", data.Path, "--listen", $"127.0.0.1:{port}", "--web-listen", "none"]);

        var printed = (result.Stdout + result.Stderr).TrimEnd();
        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(printed.Split('\n'));
        Assert.StartsWith($"error: cannot serve on 127.0.0.1:{port}", line);
        Assert.Contains("address already in use", line);
    }
}
