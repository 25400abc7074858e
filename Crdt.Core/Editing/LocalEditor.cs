using Crdt.Core.Merge;


namespace Crdt.Core;

/// <summary>
/// Makes local edits on one replica: validates them (<see cref="EditValidator"/>), stamps them
/// (next sequence, Hlc after everything the author has seen of the document, the author's
/// version vector of the document as causal context) and applies them to the
/// <see cref="DocumentSet"/>. Each method returns the stamped op, already applied, for the caller
/// to persist and send. When validation fails it throws <see cref="ValidationException"/> and
/// nothing changes (no sequence or clock tick is used up).
/// </summary>
public sealed class LocalEditor
{
    /// <summary>Creates an editor for <paramref name="replica"/>; resume after a restart by passing the persisted clock and next sequence.</summary>
    public LocalEditor(ReplicaId replica, DocumentSet documents, HlcClock? clock = null, long nextSequence = 1)
    {
        if (replica.IsEmpty)
        {
            throw new ArgumentException("an editor needs a replica id", nameof(replica));
        }
        if (nextSequence < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(nextSequence), "sequences start at 1");
        }
        if (clock is not null && !clock.Replica.Equals(replica))
        {
            throw new ArgumentException($"the clock belongs to replica '{clock.Replica}', not '{replica}'", nameof(clock));
        }
        Replica = replica;
        Documents = documents ?? throw new ArgumentNullException(nameof(documents));
        Clock = clock ?? new HlcClock(replica);
        NextSequence = nextSequence;
    }

    /// <summary>The replica the edits are made on.</summary>
    public ReplicaId Replica { get; }

    /// <summary>The state edits are validated against and applied to.</summary>
    public DocumentSet Documents { get; }

    /// <summary>The replica's clock.</summary>
    public HlcClock Clock { get; }

    /// <summary>
    /// Which status moves this editor's edits may make under a workflow. Default
    /// <see cref="StatusAuthority.Field"/> (a technician's device); a dispatcher's replica sets
    /// <see cref="StatusAuthority.Dispatch"/> to reopen closed orders.
    /// </summary>
    public StatusAuthority Authority { get; set; } = StatusAuthority.Field;

    /// <summary>The sequence the next op gets.</summary>
    public long NextSequence { get; private set; }

    /// <summary>Creates a document: the collection must be known and every required field set.</summary>
    public Op Create(DocumentKey key, string author, long wallMs, Action<MutationBuilder> build) => Create(key, author, wallMs, Build(build));

    /// <summary>Creates a document from ready mutations.</summary>
    public Op Create(DocumentKey key, string author, long wallMs, IReadOnlyList<Mutation> mutations)
    {
        var state = EditValidator.ValidateEdit(Documents, key, mutations, create: true, Authority, out var estimatedBytes);
        return Stamp(key, author, wallMs, mutations, state, estimatedBytes);
    }

    /// <summary>Edits an existing, not deleted document.</summary>
    public Op Edit(DocumentKey key, string author, long wallMs, Action<MutationBuilder> build) => Edit(key, author, wallMs, Build(build));

    /// <summary>Edits an existing document with ready mutations.</summary>
    public Op Edit(DocumentKey key, string author, long wallMs, IReadOnlyList<Mutation> mutations)
    {
        var state = EditValidator.ValidateEdit(Documents, key, mutations, create: false, Authority, out var estimatedBytes);
        return Stamp(key, author, wallMs, mutations, state, estimatedBytes);
    }

    /// <summary>Deletes a document.</summary>
    public Op Delete(DocumentKey key, string author, long wallMs) => Edit(key, author, wallMs, [DeleteDocument.Instance]);

    /// <summary>
    /// Resolves flag <paramref name="flagId"/> (WorkOnClosedOrder: Accept or Discard;
    /// ConcurrentEdit and EditOnDeleted: KeepMine or KeepTheirs). The resolution is an op; when
    /// replicas resolve one flag concurrently, the resolution with the highest Hlc wins everywhere.
    /// </summary>
    public Op Resolve(string flagId, Resolution resolution, string author, long wallMs)
    {
        var flag = Documents.FindFlag(flagId)
            ?? throw new ValidationException(default, null, $"there is no flag '{flagId}'");
        return Edit(flag.Document, author, wallMs, [new ResolveFlag(flagId, resolution)]);
    }

    /// <summary>Applies an op received from another replica and advances this replica's clock past it. Returns whether it was new.</summary>
    public bool ApplyRemote(Op op, long wallMs)
    {
        ArgumentNullException.ThrowIfNull(op);
        Clock.Receive(op.Hlc, wallMs);
        return Documents.Apply(op);
    }

    private static IReadOnlyList<Mutation> Build(Action<MutationBuilder> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var builder = new MutationBuilder();
        build(builder);
        // The builder is not reachable by the caller any more: its list becomes the op's.
        return builder.Mutations;
    }

    /// <param name="estimatedBytes">The validator's estimate of the mutations' bytes, with no author.</param>
    private Op Stamp(DocumentKey key, string author, long wallMs, IReadOnlyList<Mutation> mutations, DocumentState? state, long estimatedBytes)
    {
        // The own replica is left out of the context: a replica has always seen its own ops.
        var context = state is null ? VersionVector.Empty : state.ContextFor(Replica);
        var hlc = Clock.Now(wallMs);
        if (state is not null && hlc <= state.MaxHlc)
        {
            // What the author saw of the document was stamped later than our wall clock (skew):
            // stamp after it, so an edit made after seeing a value wins over it.
            hlc = Clock.Receive(state.MaxHlc, wallMs);
        }
        var op = Op.Stamped(new Dot(Replica, NextSequence), hlc, author, key, context, mutations);
        NextSequence++;
        // The validator's estimate had no author: adding the author's share gives ValueRules.EstimateAddedBytes(op).
        Documents.ApplyStamped(op, state, estimatedBytes + ValueRules.AuthorBytes(op.Author));
        return op;
    }
}
