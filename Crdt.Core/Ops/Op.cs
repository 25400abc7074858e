using System.Diagnostics;

namespace Crdt.Core;

/// <summary>
/// One edit of one document, as a person made it: identity (<see cref="Dot"/>), time
/// (<see cref="Hlc"/>), the person (<see cref="Author"/>), the document, the author's causal
/// context of that document and the mutations. Immutable; ops are idempotent and commute.
/// </summary>
public sealed class Op
{
    /// <summary>Creates an op. The Hlc's replica must be the dot's replica; the context is frozen.</summary>
    public Op(Dot dot, Hlc hlc, string author, DocumentKey document, VersionVector context, IReadOnlyList<Mutation> mutations)
        : this(dot, hlc, author, document, context, mutations, check: true)
    {
    }

    private Op(Dot dot, Hlc hlc, string author, DocumentKey document, VersionVector context, IReadOnlyList<Mutation> mutations, bool check)
    {
        if (check)
        {
            Check(dot, hlc, document, context, mutations);
            // A context is shared by many ops (the editor reuses it): freezing it again would write to it on every edit.
            context = context.IsFrozen ? context : context.Freeze();
        }
        Dot = dot;
        Hlc = hlc;
        Author = author ?? string.Empty;
        Document = document;
        Context = context;
        Mutations = mutations;
    }

    /// <summary>
    /// An op stamped by <see cref="LocalEditor"/>, which guarantees what the public constructor checks: its own
    /// replica in dot and Hlc, a sequence from 1, a validated key and non-empty mutations, a frozen context. A
    /// local edit's path skips the checks.
    /// </summary>
    internal static Op Stamped(Dot dot, Hlc hlc, string author, DocumentKey document, VersionVector context, IReadOnlyList<Mutation> mutations)
    {
        Debug.Assert(dot.Seq > 0 && !dot.Replica.IsEmpty && hlc.Replica.Equals(dot.Replica), "the editor stamps with its own replica");
        Debug.Assert(document.Collection is not null && mutations.Count > 0 && context.IsFrozen, "the editor validated the edit");
        return new Op(dot, hlc, author, document, context, mutations, check: false);
    }

    private static void Check(Dot dot, Hlc hlc, DocumentKey document, VersionVector context, IReadOnlyList<Mutation> mutations)
    {
        if (dot.Replica.IsEmpty || dot.Seq <= 0)
        {
            throw new ArgumentException($"an op needs a dot with a replica and a sequence >= 1, not '{dot}'", nameof(dot));
        }
        if (!hlc.Replica.Equals(dot.Replica))
        {
            throw new ArgumentException($"the op's hlc replica '{hlc.Replica}' differs from its dot replica '{dot.Replica}'", nameof(hlc));
        }
        if (document.Collection is null)
        {
            throw new ArgumentException("an op needs a document", nameof(document));
        }
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mutations);
        if (mutations.Count == 0)
        {
            throw new ArgumentException("an op needs at least one mutation", nameof(mutations));
        }
    }

    /// <summary>The op's identity.</summary>
    public Dot Dot { get; }

    /// <summary>When the edit was made; decides last-writer-wins.</summary>
    public Hlc Hlc { get; }

    /// <summary>The person who made the edit (distinct from the replica it was made on; may be empty).</summary>
    public string Author { get; }

    /// <summary>The document edited.</summary>
    public DocumentKey Document { get; }

    /// <summary>
    /// The author's version vector of the document when the edit was made (frozen). It may
    /// omit the op's own replica: a replica has always seen its own earlier ops.
    /// </summary>
    public VersionVector Context { get; }

    /// <summary>The changes, applied in order.</summary>
    public IReadOnlyList<Mutation> Mutations { get; }

    /// <summary>
    /// True when this op's author had seen <paramref name="other"/> when making it: a lower
    /// sequence of its own replica, or a dot its context covers.
    /// </summary>
    public bool HasSeen(Dot other) => Causality.Covers(Dot, Context, other);

    /// <inheritdoc />
    public override string ToString() => $"Op {Dot} {Hlc} by '{Author}' on {Document}: {Mutations.Count} mutation(s)";
}
