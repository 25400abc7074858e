using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using Crdt.Core;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// Checkpoints of tenant state (README "Start-up on a long history"): start-up adopts the tenant's latest
/// checkpoint and replays only the log after it; a background loop writes a new one whenever
/// <see cref="RelayOptions.CheckpointEveryOps"/> ops were appended since the last, and shutdown writes
/// one. A checkpoint that cannot be used (damaged, or made before a compaction) never stops the relay:
/// the tenant is rebuilt from its bases and whole log, and the log says so.
/// </summary>
internal sealed partial class RelayEngine
{
    // Documents encoded per hold of the tenant's gate: writers wait for one slice at most.
    private const int CheckpointSliceSize = 256;

    private readonly ConcurrentDictionary<string, long> _checkpointedAt = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _checkpointing = new(1, 1);
    private Task? _checkpointLoop;

    private ICheckpointStore? Checkpoints => Options.Checkpoints ? Store as ICheckpointStore : null;

    /// <summary>
    /// A tenant's state to replay the log onto, and the position to replay after: from its checkpoint
    /// when one is usable, else empty with its compacted bases (position 0).
    /// </summary>
    private async Task<(TenantState Tenant, long Cursor)> StartTenantAsync(string name)
    {
        if (Checkpoints is { } checkpoints && await TryRestoreAsync(checkpoints, name).ConfigureAwait(false) is { } restored)
        {
            return restored;
        }

        var tenant = new TenantState(name, Schemas, Replica);
        await LoadBasesAsync(tenant).ConfigureAwait(false);
        return (tenant, 0);
    }

    private async Task<(TenantState Tenant, long Cursor)?> TryRestoreAsync(ICheckpointStore checkpoints, string name)
    {
        var started = Stopwatch.GetTimestamp();
        var tenant = new TenantState(name, Schemas, Replica);
        CheckpointHeader? header;
        var restore = new CheckpointRestore(tenant);
        try
        {
            header = await checkpoints.ReadCheckpointAsync(name, restore.Add).ConfigureAwait(false);
            if (header is null)
            {
                return null;
            }

            restore.Finish();
            if (restore.Adopted != header.Documents)
            {
                throw new InvalidDataException($"the checkpoint names {header.Documents} documents but holds {restore.Adopted}");
            }
            var compactedThrough = Store is ICompactionStore compaction ? await compaction.GetCompactedThroughAsync(name).ConfigureAwait(false) : 0;
            if (compactedThrough != header.CompactedThrough)
            {
                // Expected after every compaction, not damage: the bases are newer than the checkpoint.
                Log.CheckpointBeforeCompaction(name, compactedThrough);
                return null;
            }
            var writer = CheckpointCodec.DecodeWriter(header.WriterState);
            tenant.AdoptCheckpointHead(header.ReplayFrom, header.CompactedThrough,
                string.Equals(writer.Relay, Replica.Value, StringComparison.Ordinal) ? writer.NextRelaySequence : null);
            if (writer.ClockWallMs > 0)
            {
                lock (_clock)
                {
                    var stamped = CheckpointCodec.ClockOf(writer);
                    if (stamped > _clock.Last)
                    {
                        _clock.Receive(stamped, NowMs());
                    }
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever went wrong (damaged bytes, a snapshot that does not decode, the store failing
            // mid-read), the whole log can still rebuild the tenant: never a reason to stop the relay.
            Log.CheckpointUnusable(e, name, e.Message);
            return null;
        }
        _checkpointedAt[name] = header.ReplayFrom;
        Log.CheckpointRestored(name, header.ReplayFrom, restore.Adopted, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, restore.MergeMs);
        return (tenant, header.ReplayFrom);
    }

    /// <summary>Starts the loop that checkpoints tenants due for one (no-op when checkpoints are off).</summary>
    private void StartCheckpointing()
    {
        if (Checkpoints is null || Options.CheckpointEveryOps <= 0)
        {
            return;
        }

        _checkpointLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(Options.CheckpointPollInterval, _shutdown.Token).ConfigureAwait(false);
                    await CheckpointDueTenantsAsync(Options.CheckpointEveryOps, _shutdown.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
            {
                // Shutdown: the final checkpoints are written by StopCheckpointingAsync.
            }
        });
    }

    /// <summary>Ends the loop, then checkpoints every loaded tenant that changed since its last checkpoint.</summary>
    private async Task StopCheckpointingAsync()
    {
        if (_checkpointLoop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }

        if (Checkpoints is not null)
        {
            await CheckpointDueTenantsAsync(1, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task CheckpointDueTenantsAsync(long minimumOps, CancellationToken cancellationToken)
    {
        foreach (var (name, loading) in _tenants)
        {
            if (!loading.IsValueCreated || !loading.Value.IsCompletedSuccessfully)
            {
                continue;
            }

            var tenant = loading.Value.Result;
            if (tenant.Head - _checkpointedAt.GetValueOrDefault(name) < minimumOps)
            {
                continue;
            }

            try
            {
                await WriteCheckpointAsync(tenant, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The previous checkpoint stays; a later start replays a little more log.
                Log.CheckpointNotWritten(e, name, tenant.Head, e.Message);
            }
        }
    }

    /// <summary>
    /// Writes a checkpoint of <paramref name="tenant"/> as it is now: its documents in slices under a new
    /// generation, then published in one transaction. Returns false when there was nothing new to write,
    /// or another node published in between (its checkpoint then stands).
    /// </summary>
    internal async Task<bool> WriteCheckpointAsync(TenantState tenant, CancellationToken cancellationToken = default)
    {
        if (Checkpoints is not { } checkpoints)
        {
            return false;
        }

        await _checkpointing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var (head, compactedThrough, nextRelaySequence, keys) = tenant.CheckpointStart();
            if (head == 0 || _checkpointedAt.GetValueOrDefault(tenant.Name) == head)
            {
                return false;
            }
            Hlc clock;
            lock (_clock)
            {
                clock = _clock.Last;
            }

            var generation = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            long bytes = 0;
            for (var at = 0; at < keys.Length; at += CheckpointSliceSize)
            {
                var part = tenant.EncodeForCheckpoint(keys.AsSpan(at, Math.Min(CheckpointSliceSize, keys.Length - at)));
                bytes += part.Sum(d => (long)d.Body.Length);
                await checkpoints.WriteCheckpointPartAsync(tenant.Name, generation, part, cancellationToken).ConfigureAwait(false);
            }
            var writer = new CheckpointCodec.WriterState(Replica.Value, nextRelaySequence, clock.WallMs, clock.Counter, clock.Replica.Value);
            var header = new CheckpointHeader(generation, head, compactedThrough, keys.Length, CheckpointCodec.EncodeWriter(writer), Options.Time.GetUtcNow());
            if (!await checkpoints.PublishCheckpointAsync(tenant.Name, header, cancellationToken).ConfigureAwait(false))
            {
                Log.CheckpointNotWritten(null, tenant.Name, head, "another node published a checkpoint meanwhile");
                return false;
            }
            _checkpointedAt[tenant.Name] = head;
            Log.CheckpointWritten(tenant.Name, head, keys.Length, bytes, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return true;
        }
        finally
        {
            _checkpointing.Release();
        }
    }
}
