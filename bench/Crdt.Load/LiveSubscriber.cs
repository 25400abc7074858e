using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Wire = Crdt.Core.Wire;

namespace Crdt.Load;

/// <summary>
/// A dispatcher's device holding a live Subscribe stream while the technicians sync; it notes
/// when each op arrives, to time push → arrival. It times an item on arrival from the op's dot
/// alone and keeps the item's bytes; <see cref="VerifyDeliveries"/> decodes them all after the run.
/// </summary>
internal sealed class LiveSubscriber : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly CallOptions _auth;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // One wait at a time (warm-up, burst, steady phase), each for a larger count: a new source per
    // wait, because a completed one would answer every later wait at once.
    private TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = int.MaxValue;
    private int _arrivedCount;
    // Every op item as received with the dot read from it, decoded in full after the run.
    private readonly List<(byte[] Item, (string Replica, ulong Seq) Dot)> _received = [];
    private int _duplicates;

    public LiveSubscriber(string token, Uri relay, WireBytes wire)
    {
        _channel = GrpcChannel.ForAddress(relay, new GrpcChannelOptions { HttpHandler = wire.Handler(), MaxReceiveMessageSize = null });
        _auth = new CallOptions(new Metadata { { "authorization", $"Bearer {token}" } });
    }

    /// <summary>Arrival time (Stopwatch ticks) of each op, by dot. Written by the reader loop only.</summary>
    public Dictionary<(string Replica, ulong Seq), long> ArrivedAt { get; } = [];

    /// <summary>Arrival time (Stopwatch ticks) of each checkpoint, by cursor. Written by the reader loop only.</summary>
    public Dictionary<ulong, long> CheckpointAt { get; } = [];

    /// <summary>Subscribes from <paramref name="cursor"/> and reads until cancelled.</summary>
    public async Task RunAsync(ulong cursor, CancellationToken cancellationToken)
    {
        using var call = RawStreamItems.Subscribe(_channel, new Wire.SubscribeRequest { Cursor = cursor },
            _auth.WithCancellationToken(cancellationToken));
        await call.ResponseHeadersAsync.ConfigureAwait(false);
        _ready.TrySetResult();
        try
        {
            await foreach (var item in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                long arrived = Stopwatch.GetTimestamp();
                if (!RawStreamItems.TryReadOpDot(item, out string replica, out ulong seq))
                {
                    if (RawStreamItems.TryReadCheckpointCursor(item, out ulong checkpoint)) CheckpointAt.TryAdd(checkpoint, arrived);
                    continue;
                }
                _received.Add((item, (replica, seq)));
                if (!ArrivedAt.TryAdd((replica, seq), arrived)) _duplicates++;
                Volatile.Write(ref _arrivedCount, ArrivedAt.Count);
                if (ArrivedAt.Count >= Volatile.Read(ref _expected)) Volatile.Read(ref _allArrived).TrySetResult();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Otherwise unobserved until the run ends: a wait for arrivals would only time out.
            _ready.TrySetException(e);
            Volatile.Read(ref _allArrived).TrySetException(e);
            throw;
        }
    }

    public Task Ready => _ready.Task;

    /// <summary>After the run: decodes every op item received and checks it is the op its dot was read
    /// as, and that no op arrived twice. Returns the ops checked.</summary>
    public int VerifyDeliveries()
    {
        if (_duplicates > 0) throw new InvalidDataException($"{_duplicates} ops arrived twice on one subscription");
        foreach (var (item, dot) in _received)
        {
            var op = Wire.PullResponse.Parser.ParseFrom(item).Op
                ?? throw new InvalidDataException("an item read as an op does not decode as one");
            if (SimulatedDevice.DotKey(op.Dot) != dot) throw new InvalidDataException($"op {op.Dot} was timed as {dot.Replica}:{dot.Seq}");
        }
        return _received.Count;
    }

    /// <summary>Completes once <paramref name="count"/> distinct ops have arrived (those that arrived
    /// before the call included).</summary>
    public Task AllArrived(int count)
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _allArrived, arrived);
        Volatile.Write(ref _expected, count);
        // The reader checks only when one more op arrives: the ops already here may be all of them.
        if (Volatile.Read(ref _arrivedCount) >= count) arrived.TrySetResult();
        return arrived.Task;
    }

    /// <summary>Waits until every one of <paramref name="subscribers"/> has <paramref name="count"/> distinct ops;
    /// after <paramref name="timeout"/>, throws with how many each has.</summary>
    public static async Task AllArrivedAsync(IReadOnlyList<LiveSubscriber> subscribers, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var all = Task.WhenAll(subscribers.Select(s => s.AllArrived(count)));
        if (await Task.WhenAny(all, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false) != all)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"subscribers did not receive all {count} ops within {timeout.TotalSeconds:0} s " +
                $"(received: {string.Join(", ", subscribers.Select(s => Volatile.Read(ref s._arrivedCount)))})");
        }
        await all.ConfigureAwait(false);
    }

    public void Dispose() => _channel.Dispose();
}
