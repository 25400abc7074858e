using Crdt.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Sync;

/// <summary>What a subscriber's routing needs to know of an op's document, read under the tenant's
/// gate (<see cref="TenantState.FactsFor"/>): whether the subscriber sees it now, whether (a work
/// order) it was ever assigned to the subscriber, and (a work order) the customer and asset it references.</summary>
internal readonly record struct SubscriberFacts(bool Readable, bool WasEverAssigned, DocumentKey? Customer, DocumentKey? Asset);

/// <summary>Which work-order fields an op sets, the ones that move documents into or out of a technician's scope.</summary>
[Flags]
internal enum ScopeFields
{
    None = 0,
    Assignee = 1,
    Customer = 2,
    Asset = 4,
}

/// <summary>What to send a subscriber for one op.</summary>
internal enum RouteKind
{
    /// <summary>Nothing: the subscriber does not see the document, or already holds the op (inside a snapshot it was sent).</summary>
    Skip,

    /// <summary>The op itself, as stored.</summary>
    Op,

    /// <summary>The document whole: it just entered the subscriber's scope, so the device lacks its history.</summary>
    Snapshot,

    /// <summary><c>left_scope</c>: a work order of the subscriber's was reassigned away.</summary>
    LeftScope,
}

/// <summary>The decision for one op: what to send of its document, then snapshots of the documents
/// it references that the subscriber was not sent yet (each sent only if it exists and is in scope).</summary>
internal readonly record struct Route(RouteKind Kind, IReadOnlyList<DocumentKey> Related);

/// <summary>
/// Decides, for one technician's stream, whether an op goes out as the op, as a snapshot of its
/// document, as <c>left_scope</c>, or not at all, and which referenced documents go with it; and
/// remembers which documents the stream has sent whole, with the version sent, so ops already inside
/// a snapshot are not sent again. Pure: no lock, no I/O; <see cref="OpStreamer"/> gathers the facts
/// and writes what is decided. (A dispatcher or admin sees the whole tenant and gets every op as stored.)
/// </summary>
internal sealed class SubscriberRouting
{
    private static readonly DocumentKey[] NoneRelated = [];

    // Documents sent whole, with the version sent: their ops up to it are already in the device.
    private readonly Dictionary<DocumentKey, long> _snapshotSent = [];

    /// <summary>Records that <paramref name="key"/> was sent whole at <paramref name="version"/>.</summary>
    public void SnapshotSent(DocumentKey key, long version) => _snapshotSent[key] = version;

    /// <summary>Whether a snapshot of <paramref name="key"/> that is not forced should still be sent (none sent yet).</summary>
    public bool NeedsSnapshot(DocumentKey key) => !_snapshotSent.ContainsKey(key);

    /// <summary>Which scope-moving work-order fields <paramref name="op"/> sets (none for other collections):
    /// an op read from the log as its message.</summary>
    public static ScopeFields FieldsSetBy(Wire.Op op)
    {
        if (op.Document?.Collection != WorkOrderFields.Collection)
        {
            return ScopeFields.None;
        }

        var fields = ScopeFields.None;
        foreach (var mutation in op.Mutations)
        {
            if (mutation.KindCase == Wire.Mutation.KindOneofCase.SetField)
            {
                fields |= ScopeFieldOf(mutation.SetField.Field);
            }
        }
        return fields;
    }

    /// <summary>The same for a live commit's op, which the relay holds as a Core op only.</summary>
    public static ScopeFields FieldsSetBy(Op op)
    {
        if (op.Document.Collection != WorkOrderFields.Collection)
        {
            return ScopeFields.None;
        }

        var fields = ScopeFields.None;
        foreach (var mutation in op.Mutations)
        {
            if (mutation is SetField set)
            {
                fields |= ScopeFieldOf(set.Field);
            }
        }
        return fields;
    }

    private static ScopeFields ScopeFieldOf(string field) => field switch
    {
        WorkOrderFields.Assignee => ScopeFields.Assignee,
        WorkOrderFields.Customer => ScopeFields.Customer,
        WorkOrderFields.Asset => ScopeFields.Asset,
        _ => ScopeFields.None,
    };

    /// <summary>Decides what the subscriber gets of the op at <paramref name="position"/> on <paramref name="key"/>.</summary>
    public Route Decide(DocumentKey key, ScopeFields sets, long position, SubscriberFacts facts)
    {
        var assigns = (sets & ScopeFields.Assignee) != 0;
        if (!facts.Readable)
        {
            // Reassigned away from a technician who held it: tell the device to drop it. Other
            // unreadable documents were never the subscriber's business.
            if (!(assigns && facts.WasEverAssigned))
            {
                return new Route(RouteKind.Skip, NoneRelated);
            }

            _snapshotSent.Remove(key);
            return new Route(RouteKind.LeftScope, NoneRelated);
        }
        var kind = assigns
            ? RouteKind.Snapshot // newly assigned to this technician: the device lacks the order's history
            : _snapshotSent.TryGetValue(key, out var sentVersion) && position <= sentVersion ? RouteKind.Skip : RouteKind.Op;
        if (sets == ScopeFields.None)
        {
            return new Route(kind, NoneRelated);
        }
        // The order now points at (or was just given) a customer and asset: the device needs them whole.
        var related = new List<DocumentKey>(2);
        if (facts.Customer is { } customer && NeedsSnapshot(customer))
        {
            related.Add(customer);
        }

        if (facts.Asset is { } asset && NeedsSnapshot(asset))
        {
            related.Add(asset);
        }

        return new Route(kind, related);
    }
}
