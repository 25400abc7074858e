using System.Globalization;

namespace Crdt.Load;

/// <summary>
/// The other end of <see cref="SubscriberProcess"/>: <c>Crdt.Load.dll subscribers</c>, the live
/// subscribers in a process of their own, driven by one command a line on stdin and answering one line
/// on stdout: <c>relay URL</c>, <c>token TOKEN</c> (one per subscriber), <c>start</c> (subscribes from
/// cursor 0; answers <c>ready</c>), <c>expect N</c> (answers <c>arrived BYTES</c> once every subscriber
/// has N distinct ops, BYTES being what their connections carried so far), <c>stop FILE</c> (ends the
/// streams, checks every delivery, writes the arrivals to FILE; answers <c>stopped</c>). Any failure
/// answers <c>failed MESSAGE</c> and ends the process.
/// </summary>
internal static class SubscriberHost
{
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(TextReader commands, TextWriter answers)
    {
        Uri? relay = null;
        var tokens = new List<string>();
        ISubscribers? subscribers = null;
        try
        {
            while (await commands.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                var (verb, argument) = line.IndexOf(' ') is var space and >= 0 ? (line[..space], line[(space + 1)..]) : (line, "");
                switch (verb)
                {
                    case "relay":
                        relay = new Uri(argument);
                        break;
                    case "token":
                        tokens.Add(argument);
                        break;
                    case "start":
                        subscribers = await InProcessSubscribers.StartAsync(relay ?? throw new InvalidOperationException("start before relay"), tokens, CancellationToken.None).ConfigureAwait(false);
                        await answers.WriteLineAsync("ready").ConfigureAwait(false);
                        break;
                    case "expect":
                        long bytes = await Started(subscribers).AllArrivedAsync(int.Parse(argument, CultureInfo.InvariantCulture), ArrivalTimeout, CancellationToken.None).ConfigureAwait(false);
                        await answers.WriteLineAsync(FormattableString.Invariant($"arrived {bytes}")).ConfigureAwait(false);
                        break;
                    case "stop":
                        await WriteAsync(argument, await Started(subscribers).StopAsync(CancellationToken.None).ConfigureAwait(false)).ConfigureAwait(false);
                        await answers.WriteLineAsync("stopped").ConfigureAwait(false);
                        break;
                    default:
                        throw new InvalidOperationException($"unknown command '{verb}'");
                }
                await answers.FlushAsync().ConfigureAwait(false);
            }
            return 0;
        }
        catch (Exception e)
        {
            await answers.WriteLineAsync("failed " + e.Message.ReplaceLineEndings(" ")).ConfigureAwait(false);
            await answers.FlushAsync().ConfigureAwait(false);
            await Console.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            return 1;
        }
        finally
        {
            if (subscribers is not null) await subscribers.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static ISubscribers Started(ISubscribers? subscribers) =>
        subscribers ?? throw new InvalidOperationException("the subscribers were not started");

    /// <summary>One line per subscriber (<c>S</c>), then per op (<c>O replica seq ticks</c>) and checkpoint (<c>C cursor ticks</c>).</summary>
    private static async Task WriteAsync(string file, IReadOnlyList<SubscriberArrivals> arrivals)
    {
        await using var output = new StreamWriter(file);
        foreach (var subscriber in arrivals)
        {
            await output.WriteLineAsync("S").ConfigureAwait(false);
            foreach (var ((replica, seq), at) in subscriber.Ops) await output.WriteLineAsync(FormattableString.Invariant($"O {replica} {seq} {at}")).ConfigureAwait(false);
            foreach (var (cursor, at) in subscriber.Checkpoints) await output.WriteLineAsync(FormattableString.Invariant($"C {cursor} {at}")).ConfigureAwait(false);
        }
    }

    /// <summary>Reads what <see cref="WriteAsync"/> wrote.</summary>
    public static IReadOnlyList<SubscriberArrivals> Read(string file)
    {
        var result = new List<SubscriberArrivals>();
        Dictionary<(string, ulong), long>? ops = null;
        Dictionary<ulong, long>? checkpoints = null;
        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "S":
                    ops = [];
                    checkpoints = [];
                    result.Add(new SubscriberArrivals(ops, checkpoints));
                    break;
                case "O":
                    ops![(parts[1], ulong.Parse(parts[2], CultureInfo.InvariantCulture))] = long.Parse(parts[3], CultureInfo.InvariantCulture);
                    break;
                case "C":
                    checkpoints![ulong.Parse(parts[1], CultureInfo.InvariantCulture)] = long.Parse(parts[2], CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new InvalidDataException($"unexpected line in the arrivals file: {line}");
            }
        }
        return result;
    }
}
