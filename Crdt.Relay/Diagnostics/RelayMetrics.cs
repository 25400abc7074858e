using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crdt.Relay.Diagnostics;

/// <summary>
/// What a relay operator watches, on the meter <c>Crdt.Relay</c> (dotnet-counters monitor
/// --counters Crdt.Relay): connected devices (open Pull/Subscribe/Watch streams), ops stored
/// (a counter: its rate is ops stored per second), duplicates, push and pull latency, how long a
/// commit takes to reach each live stream's output, and refused requests by reason (the gRPC status).
/// </summary>
public sealed class RelayMetrics : IDisposable
{
    public const string MeterName = "Crdt.Relay";

    private readonly Meter _meter;
    private readonly Counter<long> _opsStored;
    private readonly Counter<long> _opsDuplicate;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _pushLatency;
    private readonly Histogram<double> _pullLatency;
    private readonly UpDownCounter<long> _connected;
    private readonly Histogram<double> _streamDelivery;

    public RelayMetrics()
    {
        _meter = new Meter(MeterName);
        _opsStored = _meter.CreateCounter<long>("crdt.relay.ops.stored", "{op}", "Ops newly stored");
        _opsDuplicate = _meter.CreateCounter<long>("crdt.relay.ops.duplicate", "{op}", "Ops pushed again that were already stored");
        _refused = _meter.CreateCounter<long>("crdt.relay.requests.refused", "{request}", "Requests refused, by reason (gRPC status)");
        _pushLatency = _meter.CreateHistogram<double>("crdt.relay.push.duration", "ms", "Time to validate, store and apply one Push");
        _pullLatency = _meter.CreateHistogram<double>("crdt.relay.pull.duration", "ms", "Time to answer one Pull");
        _streamDelivery = _meter.CreateHistogram<double>("crdt.relay.stream.delivery", "ms",
            "Time from a commit's apply in the tenant to the flush of its checkpoint on each live Subscribe stream");
        _connected = _meter.CreateUpDownCounter<long>("crdt.relay.devices.connected", "{stream}", "Open Pull, Subscribe and Watch streams");
    }

    /// <summary>This relay's meter (every relay in a process has its own, all named <see cref="MeterName"/>).</summary>
    public Meter Meter => _meter;

    public void OpsStored(int stored, int duplicates)
    {
        if (stored > 0)
        {
            _opsStored.Add(stored);
        }

        if (duplicates > 0)
        {
            _opsDuplicate.Add(duplicates);
        }
    }

    public void Refused(string reason, string method) =>
        _refused.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("method", method));

    public void PushCompleted(TimeSpan elapsed) => _pushLatency.Record(elapsed.TotalMilliseconds);

    public void PullCompleted(TimeSpan elapsed) => _pullLatency.Record(elapsed.TotalMilliseconds);

    /// <summary>A live stream flushed (at <paramref name="flushedAt"/>) the checkpoint of a commit applied at
    /// <paramref name="appliedAt"/> (<see cref="Stopwatch"/> ticks): how far live streams run behind the log,
    /// on the relay's side of the network.</summary>
    internal void StreamDelivered(long appliedAt, long flushedAt) => _streamDelivery.Record(Stopwatch.GetElapsedTime(appliedAt, flushedAt).TotalMilliseconds);

    /// <summary>Counts an open stream until the returned value is disposed.</summary>
    public IDisposable StreamOpened(string method)
    {
        var tag = new KeyValuePair<string, object?>("method", method);
        _connected.Add(1, tag);
        return new StreamLease(() => _connected.Add(-1, tag));
    }

    public static long Timestamp() => Stopwatch.GetTimestamp();

    public void Dispose() => _meter.Dispose();

    private sealed class StreamLease(Action release) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                release();
            }
        }
    }
}
