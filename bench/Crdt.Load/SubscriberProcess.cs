using System.Diagnostics;
using System.Globalization;
using Crdt.Testing;

namespace Crdt.Load;

/// <summary>
/// The live subscribers in a process of their own (<see cref="SubscriberHost"/>). In the harness's
/// process, a frame that had reached the harness's socket waited for a turn on a thread pool busy with
/// a hundred simulated devices' pushes before a subscriber read it and noted the time: a wait no real
/// dispatcher, on its own machine, sees. Here the subscribers have their own thread pool; they still share
/// the machine's cores with the relay and the devices (the OS schedules the three processes), so the
/// figure stays on the pessimistic side. Arrival times are <see cref="Stopwatch"/> ticks, which on Linux
/// are CLOCK_MONOTONIC and so comparable between the two processes.
/// </summary>
internal sealed class SubscriberProcess : ISubscribers
{
    private readonly Process _process;
    private readonly Task<string> _errors;

    private SubscriberProcess(Process process)
    {
        _process = process;
        _errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
    }

    public static async Task<SubscriberProcess> StartAsync(Uri relay, IEnumerable<string> tokens, CancellationToken cancellationToken)
    {
        var start = DotnetProcess.StartInfo(Path.Combine(AppContext.BaseDirectory, "Crdt.Load.dll"), ["subscribers"]);
        start.RedirectStandardInput = true;
        var subscribers = new SubscriberProcess(DotnetProcess.Start(start));
        try
        {
            // Tokens on stdin, not on the command line, where process listings would show them.
            await subscribers.SendAsync($"relay {relay}").ConfigureAwait(false);
            foreach (var token in tokens) await subscribers.SendAsync($"token {token}").ConfigureAwait(false);
            await subscribers.AskAsync("start", TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            return subscribers;
        }
        catch
        {
            await subscribers.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<long> AllArrivedAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The process applies the timeout itself (and says how many ops each subscriber has); a little more here.
        string answer = await AskAsync(FormattableString.Invariant($"expect {count}"), timeout + TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return long.Parse(answer, CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<SubscriberArrivals>> StopAsync(CancellationToken cancellationToken)
    {
        string file = Path.Combine(Path.GetTempPath(), $"crdt-load-arrivals-{Guid.NewGuid():N}.txt");
        try
        {
            await AskAsync($"stop {file}", TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            return SubscriberHost.Read(file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public double SeparateCpuSeconds()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalSeconds;
    }

    private async Task SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="command"/> and returns what follows the answer's first word.</summary>
    private async Task<string> AskAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await SendAsync(command).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        string verb = command.Split(' ')[0];
        string? answer;
        try
        {
            answer = await _process.StandardOutput.ReadLineAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the subscriber process did not answer '{verb}' within {timeout.TotalSeconds:0} s");
        }
        if (answer is null)
        {
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw new InvalidOperationException($"the subscriber process exited ({_process.ExitCode}): {await _errors.ConfigureAwait(false)}");
        }
        if (answer.StartsWith("failed ", StringComparison.Ordinal)) throw new InvalidOperationException($"subscriber process, '{verb}': {answer["failed ".Length..]}");
        int space = answer.IndexOf(' ');
        return space < 0 ? "" : answer[(space + 1)..];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
