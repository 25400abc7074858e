using System.Diagnostics;
using Crdt.Core;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// Adopts a checkpoint's documents into a tenant at start-up with both cores busy: the store's rows are
/// gathered into batches; each batch is checked and decoded (SHA-256, body, snapshot parse and validation,
/// which is most of the work) in parallel while the previous batch is merged into the tenant on one thread
/// (the tenant's state is not thread-safe, and merging is the smaller part).
/// </summary>
internal sealed class CheckpointRestore(TenantState tenant)
{
    // Large enough that each batch spreads over the cores, small enough that the two batches held at once
    // (decoded while the other merges) stay in the young generation instead of growing the heap.
    private const int BatchSize = 128;

    private List<CheckpointDocument> _batch = new(BatchSize);
    private Task<Decoded[]>? _decoding;
    private long _mergeTicks;

    /// <summary>Documents adopted so far.</summary>
    public int Adopted { get; private set; }

    /// <summary>Time spent merging decoded documents into the tenant (the single-threaded part).</summary>
    public long MergeMs => (long)Stopwatch.GetElapsedTime(0, _mergeTicks).TotalMilliseconds;

    /// <summary>Takes one row of the checkpoint (called by the store's reader, in order).</summary>
    public void Add(CheckpointDocument document)
    {
        _batch.Add(document);
        if (_batch.Count == BatchSize)
        {
            StartBatch();
        }
    }

    /// <summary>Decodes and merges what is left; throws <see cref="InvalidDataException"/> naming the first damaged document.</summary>
    public void Finish()
    {
        StartBatch();
        MergePending();
    }

    private void StartBatch()
    {
        // Merge the batch decoded meanwhile before the next starts: at most two batches are in memory.
        MergePending();
        if (_batch.Count == 0)
        {
            return;
        }

        var batch = _batch;
        _batch = new(BatchSize);
        _decoding = Task.Run(() =>
        {
            var decoded = new Decoded[batch.Count];
            Parallel.For(0, batch.Count, i => decoded[i] = Decode(batch[i]));
            return decoded;
        });
    }

    private void MergePending()
    {
        if (_decoding is not { } decoding)
        {
            return;
        }

        _decoding = null;
        var decoded = decoding.GetAwaiter().GetResult();
        var started = Stopwatch.GetTimestamp();
        foreach (var document in decoded)
        {
            if (document.Damage is { } damage)
            {
                throw damage;
            }

            tenant.AdoptCheckpointDocument(document.Key, document.Version, document.EverAssigned, document.Snapshot!);
            Adopted++;
        }
        _mergeTicks += Stopwatch.GetTimestamp() - started;
    }

    private static Decoded Decode(CheckpointDocument document)
    {
        var key = new DocumentKey(document.Document.Collection, document.Document.Id);
        try
        {
            var body = CheckpointCodec.DecodeDocument(document.Body);
            return new Decoded(key, body.Version, body.EverAssigned, PreparedSnapshot.Prepare(body.Snapshot.Span), null);
        }
        catch (Exception e) when (e is InvalidDataException or OpDecodeException)
        {
            // Kept, not thrown here: the first damaged document in the store's order is the one reported.
            return new Decoded(key, 0, [], null, new InvalidDataException($"document {document.Document} of the checkpoint is damaged: {e.Message}", e));
        }
    }

    private readonly record struct Decoded(DocumentKey Key, long Version, IReadOnlyList<string> EverAssigned, PreparedSnapshot? Snapshot, Exception? Damage);
}
