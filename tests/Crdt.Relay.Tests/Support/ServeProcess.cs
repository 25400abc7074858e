using Crdt.Testing;

namespace Crdt.Relay.Tests.Support;

/// <summary>Real <c>Crdt.Relay serve</c> processes (the built Crdt.Relay.dll beside the tests) on
/// ephemeral 127.0.0.1 ports, their storage given through the environment as an operator would.</summary>
public static class ServeProcess
{
    internal static Task<RelayServeProcess> StartAsync(IReadOnlyDictionary<string, string> environment) =>
        RelayServeProcess.StartAsync(DotnetProcess.StartInfo(Path.Combine(AppContext.BaseDirectory, "Crdt.Relay.dll"),
            ["serve", "--listen", "127.0.0.1:0", "--web-listen", "none"], environment, Path.GetTempPath()), TimeSpan.FromSeconds(60));

    /// <summary>Starts <paramref name="count"/> processes at once (start-up is mostly JIT, so they overlap
    /// on two cores); when one fails, the others are stopped and the failure thrown.</summary>
    internal static async Task<RelayServeProcess[]> StartManyAsync(int count, IReadOnlyDictionary<string, string> environment)
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
}
