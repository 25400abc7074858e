using System.Security.Cryptography;
using System.Text;
using Crdt.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Storage;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;
using StoreKey = Crdt.Relay.Storage.StoreDocumentKey;

namespace Crdt.Relay.Sync;

internal sealed partial class RelayEngine
{
    /// <summary>Largest single op accepted (encoded), so one op cannot pin megabytes of state.</summary>
    public const int MaxOpBytes = 256 * 1024;

    /// <summary>The request header in which a replica shows its replica key (see <see cref="ReplicaClaim"/>).</summary>
    public const string ReplicaKeyHeader = "x-crdt-replica-key";

    /// <summary>What the caller claims to act for: its device, and the replica key it shows (hashed, as stored).</summary>
    private static ReplicaClaim ClaimOf(CallerIdentity caller, string? replicaKey) =>
        new(caller.Name, replicaKey is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(replicaKey)));

    /// <summary>Sync.Push: validates the whole batch, stores it atomically, applies it, publishes it.
    /// The batch's replica ids must belong to the caller, or to the replica key it shows.</summary>
    public async Task<Wire.PushResponse> PushAsync(CallerIdentity caller, Wire.PushRequest request, string? replicaKey, CancellationToken cancellationToken)
    {
        if (replicaKey is not null && (replicaKey.Length is < 16 or > 256))
        {
            throw RelayRefusal.Invalid($"header {ReplicaKeyHeader}: a replica key is 16 to 256 characters, this one {replicaKey.Length}");
        }

        var claim = ClaimOf(caller, replicaKey);
        if (request.OpCount > Options.MaxOpsPerPush)
        {
            throw RelayRefusal.TooLarge($"the batch holds {request.OpCount} ops; at most {Options.MaxOpsPerPush} per Push");
        }

        var ops = new Op[request.OpCount];
        var payloads = new byte[ops.Length][];
        var nowMs = NowMs();
        for (var i = 0; i < ops.Length; i++)
        {
            var (op, canonical) = PushedOp(request, i);
            // An op with no author was made before anyone signed in on the device, and is pushed by the
            // first person who did (the replica adopts such edits): it is that caller's, so the relay
            // stores it under the caller's name (and no longer as its bytes, which lack it). Any other
            // name than the caller's is refused later.
            if (op.Author.Length == 0)
            {
                op = new Op(op.Dot, op.Hlc, caller.Name, op.Document, op.Context, op.Mutations);
                canonical = null;
            }
            ops[i] = op;
            // Before anything formats the op: a clock past year 9999 cannot even be shown as a date.
            if (ValueRules.CheckEnvelope(ops[i]) is { } envelope)
            {
                throw RelayRefusal.Invalid($"op #{i} ({ops[i].Dot}) on {ops[i].Document}, field {envelope}");
            }

            if (ops[i].Dot.Replica == Replica)
            {
                throw RelayRefusal.Denied($"op #{i} ({ops[i].Dot}) on {ops[i].Document}: replica id '{Replica.Value}' is the relay's own; " +
                    "a device pushes only ops of its own replica id");
            }

            if (HlcClock.IsBeyondSkew(ops[i].Hlc, nowMs, Options.MaxClockSkew))
            {
                throw RelayRefusal.Precondition($"op #{i} ({ops[i].Dot}) on {ops[i].Document}: stamped {ops[i].Hlc.WallTime:O}, " +
                    $"more than {Options.MaxClockSkew.TotalMinutes:0.#} min ahead of the relay's clock; check the device's clock");
            }

            // Stored as the device sent it when those bytes are what OpCodec.Encode writes for the op (the
            // device stored exactly them): one encoder in the system, and no second encoding here. Bytes
            // from another encoder (fields out of order, unknown fields) are not refused for that, but
            // encoded again, so nothing the relay does not understand reaches another device.
            payloads[i] = canonical ?? OpCodec.Encode(ops[i]);
        }
        if (ops.Length == 0)
        {
            var emptyTenant = await TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
            return new Wire.PushResponse { Cursor = (ulong)emptyTenant.Head };
        }

        await SignatureCheck.CheckAsync(Store, caller, ops, cancellationToken).ConfigureAwait(false);
        var tenant = await TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        var pins = ScopePolicy.PinsMatter(ops) ? await PinsAsync(caller, cancellationToken).ConfigureAwait(false) : NoPins;
        // Built before taking the tenant's write turn: nothing in them depends on the state, and the turn is the serial path.
        var records = Records(ops, payloads);
        var result = await tenant.WriteExclusiveAsync(
            () => CommitLockedAsync(tenant, caller, ops, records, pins, validateDuplicates: false, replicaOwner: claim), cancellationToken).ConfigureAwait(false);
        Metrics.OpsStored(result.StoredCount, result.DuplicateCount);
        Log.Pushed(caller.Tenant, caller.Name, result.StoredCount, result.DuplicateCount, result.Head);
        return new Wire.PushResponse
        {
            Stored = (uint)result.StoredCount,
            Duplicates = (uint)result.DuplicateCount,
            Cursor = (ulong)result.Positions.Max(),
        };
    }

    /// <summary>
    /// Validates against the tenant's state, appends to the store, then applies; the caller writes
    /// exclusively (<see cref="TenantState.WriteExclusiveAsync{T}"/>), so state and log advance together and in the same order. Ops the
    /// tenant already holds are not validated again (unless asked): they were valid when first
    /// stored, and a re-push after a lost acknowledgement must succeed even if the state has
    /// moved on since. <paramref name="replicaOwner"/> is the pushing device (and replica key), which
    /// the store binds the batch's replica ids to (null for the relay's own ops, see <see cref="IRelayStore"/>).
    /// <paramref name="records"/> are the ops' store rows (<see cref="Records"/>, built by the caller outside the write lock).
    /// </summary>
    private async Task<AppendResult> CommitLockedAsync(TenantState tenant, CallerIdentity caller, IReadOnlyList<Op> ops,
        OpRecord[] records, IReadOnlySet<Core.DocumentKey> pins, bool validateDuplicates, ReplicaClaim? replicaOwner)
    {
        tenant.Validate(caller, ops, pins, validateDuplicates);

        AppendResult result;
        try
        {
            // Not cancellable: once begun, the batch is either stored and applied, or not at all.
            result = await Store.AppendAsync(tenant.Name, records, replicaOwner, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ReplicaOwnedException e)
        {
            var first = ops.First(o => o.Dot.Replica.Value == e.Replica);
            throw RelayRefusal.Denied($"op {first.Dot} on {first.Document}: replica id '{e.Replica}' belongs to another device; " +
                $"device '{caller.Name}' may push only ops of replica ids it pushed first, or whose replica key it shows");
        }
        catch (DotConflictException e)
        {
            throw RelayRefusal.Invalid($"op {e.Replica}:{e.Sequence} on {e.Document}: that dot is already stored with different content " +
                "(a replica must never reuse a sequence number)");
        }

        var fresh = new List<CommittedOp>(result.StoredCount);
        for (var i = 0; i < ops.Count; i++)
        {
            if (!result.Duplicates[i])
            {
                fresh.Add(new CommittedOp(result.Positions[i], ops[i], records[i].Payload));
            }
        }
        if (IsShared)
        {
            // Positions below ours may be another node's ops this process has not applied yet.
            await CatchUpLockedAsync(tenant, result.Head, fresh).ConfigureAwait(false);
        }
        else
        {
            tenant.Apply(fresh, result.Head);
        }
        ObserveClock(fresh);
        return result;
    }

    /// <summary>Documents.Mutate and ResolveFlag: the relay stamps the caller's mutations as one op
    /// (its own replica and clock, the caller's name as author, the document's current version
    /// vector as context) and commits it like a pushed op.</summary>
    public async Task<(Op Op, long Version)> MutateAsync(CallerIdentity caller, Core.DocumentKey key, IReadOnlyList<Wire.Mutation> mutations,
        ulong expectedVersion, bool allowResolve, CancellationToken cancellationToken)
    {
        if (mutations.Count == 0)
        {
            throw RelayRefusal.Invalid($"{key}: at least one mutation is needed");
        }

        if (!allowResolve && mutations.Any(m => m.KindCase == Wire.Mutation.KindOneofCase.ResolveFlag))
        {
            throw RelayRefusal.Invalid($"{key}: resolve_flag is not a Mutate mutation; use Documents.ResolveFlag");
        }

        var tenant = await TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        var pins = await PinsAsync(caller, cancellationToken).ConfigureAwait(false);

        // The write lock is held from the precondition check to the apply, so the version checked
        // and the context stamped are those of the state the op lands on.
        return await tenant.WriteExclusiveAsync(async () =>
        {
            // Nodes share the relay's replica id, so they stamp its ops one at a time (a database lock),
            // each after catching up with the log: its sequence and the document's version are current.
            await using var stamping = IsShared
                ? await ((ISharedRelayStore)Store).LockTenantAsync(tenant.Name, cancellationToken).ConfigureAwait(false)
                : null;
            if (IsShared)
            {
                await CatchUpLockedAsync(tenant, long.MaxValue, []).ConfigureAwait(false);
            }
            // Read while writing exclusively: no other write moves the document or the sequence meanwhile.
            var (current, context, sequence) = tenant.StampBasis(key);
            if (expectedVersion != 0 && (ulong)current != expectedVersion)
            {
                throw RelayRefusal.Precondition($"{key}: expected version {expectedVersion}, but the document is at version {current}; " +
                    "read it again and retry");
            }

            var wire = Wire.CoreMessages.ToMessage(new Op(new Dot(Replica, sequence), Tick(), caller.Name, key, context, [DeleteDocument.Instance]));
            wire.Mutations.Clear();
            wire.Mutations.AddRange(mutations);
            Op op;
            try
            {
                op = Wire.CoreMessages.ToOp(wire);
            }
            catch (OpDecodeException e)
            {
                throw RelayRefusal.Invalid($"{key}: {e.Message}");
            }
            await SignatureCheck.CheckAsync(Store, caller, [op], cancellationToken).ConfigureAwait(false);
            // Applying the op advances the tenant's next relay sequence past it.
            var result = await CommitLockedAsync(tenant, caller, [op], Records([op], [OpCodec.Encode(op)]), pins, validateDuplicates: true, replicaOwner: null).ConfigureAwait(false);
            Metrics.OpsStored(result.StoredCount, result.DuplicateCount);
            return (op, result.Positions[0]);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sync.Pin: whose pin list the request changes. A technician changes its own, and may pin only
    /// what <see cref="Policy.RolePolicy.CheckPin"/> allows; a dispatcher or admin may name a device
    /// of its tenant to share a document with it (read-only). Unpinning one's own pin is always allowed.
    /// </summary>
    public async Task<string> PinOwnerAsync(CallerIdentity caller, Core.DocumentKey key, bool pinned, string forDevice, CancellationToken cancellationToken)
    {
        if (forDevice.Length > 0 && forDevice != caller.Name)
        {
            if (!caller.SeesWholeTenant)
            {
                throw RelayRefusal.Denied($"for_device: only a dispatcher or admin shares documents with another device; {caller} is not one");
            }

            var devices = await Store.ListDevicesAsync(caller.Tenant, includeRevoked: false, cancellationToken).ConfigureAwait(false);
            if (!devices.Any(d => d.Name == forDevice))
            {
                throw RelayRefusal.NotFound($"for_device: tenant '{caller.Tenant}' has no device named '{forDevice}'");
            }

            return forDevice;
        }
        if (pinned)
        {
            var tenant = await TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
            tenant.CheckPin(caller, key);
        }
        return caller.Name;
    }

    /// <summary>The store rows of <paramref name="ops"/>. <paramref name="payloads"/> are the ops' bytes as
    /// <see cref="OpCodec.Encode"/> writes them (taken from the push when the device sent exactly those, encoded
    /// otherwise): what the log stores, every stream sends and every receiving device stores.</summary>
    private static OpRecord[] Records(IReadOnlyList<Op> ops, IReadOnlyList<byte[]> payloads)
    {
        var records = new OpRecord[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            records[i] = new OpRecord(ops[i].Dot.Replica.Value, ops[i].Dot.Seq,
                new StoreKey(ops[i].Document.Collection, ops[i].Document.Id), payloads[i]);
        }
        return records;
    }

    private static readonly IReadOnlySet<Core.DocumentKey> NoPins = new HashSet<Core.DocumentKey>();

    private async Task<IReadOnlySet<Core.DocumentKey>> PinsAsync(CallerIdentity caller, CancellationToken cancellationToken)
    {
        if (caller.SeesWholeTenant)
        {
            return new HashSet<Core.DocumentKey>();
        }

        var pins = await Store.ListPinsAsync(caller.Tenant, caller.Name, cancellationToken).ConfigureAwait(false);
        return pins.Select(p => new Core.DocumentKey(p.Document.Collection, p.Document.Id)).ToHashSet();
    }

    /// <summary>
    /// Op #<paramref name="index"/> of a push, with its bytes when they are canonical and so stored as they
    /// are. Over gRPC the request was read keeping each op's bytes (Services.SyncBinding): canonical ones come
    /// read straight into an op, others as a message to convert. A request made in process (tests,
    /// benchmarks) holds only messages, sized as the generated serializer would write them.
    /// </summary>
    private static (Op Op, byte[]? Canonical) PushedOp(Wire.PushRequest request, int index)
    {
        if (request.ReceivedOps is not { } received)
        {
            var built = request.Ops[index];
            return (ToOp(built, built.CalculateSize(), index), null);
        }
        var (bytes, read, message) = received[index];
        if (read is null)
        {
            return (ToOp(message!, bytes.Length, index), null);
        }
        if (bytes.Length > MaxOpBytes)
        {
            throw OpTooLarge(index, read.Document.ToString(), bytes.Length);
        }
        return (read, bytes);
    }

    /// <summary>A pushed op message as a Core op, or the refusal that names what is wrong with it.</summary>
    private static Op ToOp(Wire.Op message, int size, int index)
    {
        if (size > MaxOpBytes)
        {
            throw OpTooLarge(index, Describe(message.Document), size);
        }
        try
        {
            return Wire.CoreMessages.ToOp(message);
        }
        catch (OpDecodeException e)
        {
            throw RelayRefusal.Invalid($"op #{index} on {Describe(message.Document)}: {e.Message}");
        }
    }

    // The document is named only when refusing: formatting it for every op pushed cost a string per op.
    private static RelayRefusal OpTooLarge(int index, string document, int size) =>
        RelayRefusal.TooLarge($"op #{index} on {document} is {size} bytes; at most {MaxOpBytes} per op");

    private static string Describe(Wire.DocumentKey? key) => key is null ? "(no document)" : $"{key.Collection}/{key.Id}";
}
