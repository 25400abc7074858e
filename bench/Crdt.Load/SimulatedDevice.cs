using System.Diagnostics;
using Crdt.Core;
using Grpc.Core;
using Grpc.Net.Client;
using Wire = Crdt.Core.Wire;

namespace Crdt.Load;

/// <summary>
/// A technician's device: Crdt.Core documents and editor, offline edits kept in an outbox of
/// encoded ops, then pushed to the relay in batches as a replica's sync does. It records when
/// each op's push started, so subscribers can time its arrival.
/// </summary>
internal sealed class SimulatedDevice : IDisposable
{
    private static readonly string[] Priorities = ["low", "normal", "high", "urgent"];
    private readonly DocumentSet _documents = new(SchemaRegistry.CreateDefault());
    private readonly LocalEditor _editor;
    // The outbox as a replica keeps it: each op's OpCodec.Encode bytes, pushed as they are.
    private readonly List<byte[]> _outbox = [];
    private readonly List<(string Replica, ulong Seq)> _outboxDots = [];
    private readonly GrpcChannel _channel;
    private readonly CallOptions _auth;

    public SimulatedDevice(string name, string token, Uri relay, WireBytes wire)
    {
        Name = name;
        _editor = new LocalEditor(new ReplicaId($"replica-{name}"), _documents);
        _channel = GrpcChannel.ForAddress(relay, new GrpcChannelOptions { HttpHandler = wire.Handler() });
        _auth = new CallOptions(new Metadata { { "authorization", $"Bearer {token}" } });
    }

    public string Name { get; }

    /// <summary>When the push carrying each op started (Stopwatch ticks), by dot.</summary>
    public Dictionary<(string Replica, ulong Seq), long> PushStartedAt { get; } = [];

    /// <summary>When the relay's acknowledgement of the push carrying each op arrived (Stopwatch
    /// ticks), by dot: the op was committed before this.</summary>
    public Dictionary<(string Replica, ulong Seq), long> PushAckedAt { get; } = [];

    public long Stored { get; private set; }

    public int OutboxCount => _outbox.Count;

    /// <summary>
    /// Makes <paramref name="edits"/> offline edits: creates <paramref name="orders"/> work orders
    /// assigned to itself, then edits them (field sets, time entries, notes), one op each.
    /// </summary>
    public void EditOffline(int orders, int edits, int seed, string orderPrefix = "wo")
    {
        var random = new Random(seed);
        var keys = new List<DocumentKey>(orders);
        for (int i = 0; i < edits; i++)
        {
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Op op;
            if (keys.Count < orders)
            {
                var key = new DocumentKey(WorkOrderFields.Collection, $"{Name}-{orderPrefix}-{keys.Count}");
                keys.Add(key);
                op = _editor.Create(key, Name, now, b => b
                    .Set(WorkOrderFields.Title, $"Service visit {keys.Count} for {Name}")
                    .Set(WorkOrderFields.Status, WorkOrderStatus.Open)
                    .Set(WorkOrderFields.Assignee, Name));
            }
            else
            {
                var key = keys[random.Next(keys.Count)];
                int kind = random.Next(10);
                op = _editor.Edit(key, Name, now, b =>
                {
                    switch (kind)
                    {
                        case < 3: b.Set(WorkOrderFields.Priority, Priorities[random.Next(Priorities.Length)]); break;
                        case < 5: b.Set(WorkOrderFields.Description, $"Checked unit, reading {random.Next(1000)}"); break;
                        case < 6: b.Set(WorkOrderFields.Address, $"{random.Next(1, 999)} Main Street"); break;
                        case < 8:
                            b.Add(WorkOrderFields.TimeEntries, $"{Name}-te-{i}",
                                (TimeEntryFields.Hours, FieldValue.Decimal(random.Next(1, 32) / 4m)),
                                (TimeEntryFields.Tech, FieldValue.String(Name)),
                                (TimeEntryFields.Note, FieldValue.String("on site")));
                            break;
                        default:
                            b.Add(WorkOrderFields.Notes, $"{Name}-note-{i}",
                                (NoteFields.Text, FieldValue.String($"Customer asked about item {random.Next(100)}")),
                                (NoteFields.Author, FieldValue.String(Name)));
                            break;
                    }
                });
            }
            _outbox.Add(OpCodec.Encode(op));
            _outboxDots.Add((op.Dot.Replica.Value, (ulong)op.Dot.Seq));
        }
    }

    /// <summary>Pushes the outbox in batches of <paramref name="batchSize"/>; returns when the relay acknowledged all.</summary>
    public async Task PushAllAsync(int batchSize, CancellationToken cancellationToken)
    {
        for (int start = 0; start < _outbox.Count; start += batchSize)
        {
            await PushBatchAsync(start, batchSize, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Pushes the outbox from <paramref name="from"/> on, one batch per <paramref name="interval"/>
    /// (a steady load, as devices online pushing as they edit).</summary>
    public async Task PushPacedAsync(int from, int batchSize, TimeSpan interval, CancellationToken cancellationToken)
    {
        long next = Stopwatch.GetTimestamp();
        for (int start = from; start < _outbox.Count; start += batchSize)
        {
            await PushBatchAsync(start, batchSize, cancellationToken).ConfigureAwait(false);
            next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PushBatchAsync(int start, int batchSize, CancellationToken cancellationToken)
    {
        int count = Math.Min(batchSize, _outbox.Count - start);
        var request = Wire.PushRequest.OfEncodedOps(_outbox.GetRange(start, count));
        long startedAt = Stopwatch.GetTimestamp();
        for (int i = start; i < start + count; i++) PushStartedAt[_outboxDots[i]] = startedAt;
        var response = await _channel.PushAsync(request, _auth.WithCancellationToken(cancellationToken))
            .ConfigureAwait(false);
        long ackedAt = Stopwatch.GetTimestamp();
        for (int i = start; i < start + count; i++) PushAckedAt[_outboxDots[i]] = ackedAt;
        Stored += response.Stored;
    }

    /// <summary>Pulls what the relay has for this device after cursor 0 (its own orders), as sync does after a push.</summary>
    public async Task<int> PullAsync(CancellationToken cancellationToken)
    {
        using var call = _channel.Pull(new Wire.PullRequest(), _auth.WithCancellationToken(cancellationToken));
        int items = 0;
        await foreach (var item in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (item.Op is { } op) _documents.Apply(Wire.CoreMessages.ToOp(op));
            items++;
        }
        return items;
    }

    // A tuple, not a formatted string: the harness times 250,000 deliveries and should spend its
    // CPU (which the relay shares) on the devices' work, not on its own bookkeeping.
    public static (string Replica, ulong Seq) DotKey(Wire.Dot dot) => (dot.Replica, dot.Seq);

    public void Dispose() => _channel.Dispose();
}
