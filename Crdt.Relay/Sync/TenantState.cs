using Crdt.Core;
using Crdt.Relay.Storage;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Sync;

/// <summary>
/// One tenant's merged state on the relay: a <see cref="DocumentSet"/> rebuilt from the store at
/// start-up and advanced by every commit, each document's version (log position of its last op),
/// the log head, the assignment index scopes are computed from, and the chain of commits live
/// streams follow. It owns its two locks: a gate that guards all of it (DocumentSet is
/// single-threaded), taken by every query and by <see cref="Apply"/>, and a write lock that
/// serialises writers across the store append (<see cref="WriteExclusiveAsync{T}"/>), so the state
/// is applied in exactly the log's order. Callers ask questions (TenantState.Queries.cs,
/// TenantState.Writing.cs) and never hold either lock themselves. The unlocked accessors below
/// (<see cref="Documents"/>, <see cref="VersionOf"/>, ...) are for the policies those questions run
/// under the gate (<see cref="ScopePolicy"/>, <see cref="BatchValidator"/>, <see cref="Policy.RolePolicy"/>).
/// <paramref name="relay"/> is the relay's own replica id: its ops advance <see cref="NextRelaySequence"/>.
/// </summary>
internal sealed partial class TenantState(string name, SchemaRegistry schemas, ReplicaId relay)
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<DocumentKey, long> _versions = [];
    private readonly Dictionary<DocumentKey, string> _assignees = [];
    private readonly Dictionary<string, HashSet<DocumentKey>> _ordersByAssignee = new(StringComparer.Ordinal);
    private readonly Dictionary<DocumentKey, HashSet<string>> _everAssigned = [];
    private readonly Dictionary<DocumentKey, DocumentFacts> _facts = [];
    // The work orders a commit touched, to reindex once each; emptied after every commit (guarded by the gate).
    private readonly HashSet<DocumentKey> _touched = [];

    public string Name { get; } = name;

    public DocumentSet Documents { get; } = new(schemas);

    /// <summary>The latest commit; its <see cref="CommitNode.Head"/> is the log head.</summary>
    public CommitNode Latest { get; private set; } = new(0, []);

    public long Head => Latest.Head;

    /// <summary>The next sequence for ops the relay stamps itself (Documents.Mutate) in this tenant:
    /// past every op of the relay's replica applied so far.</summary>
    public long NextRelaySequence { get; private set; } = 1;

    public long VersionOf(DocumentKey key) => _versions.GetValueOrDefault(key);

    public string? AssigneeOf(DocumentKey key) => _assignees.GetValueOrDefault(key);

    public bool WasEverAssigned(DocumentKey key, string technician) =>
        _everAssigned.TryGetValue(key, out var names) && names.Contains(technician);

    public IReadOnlyCollection<DocumentKey> OrdersOf(string technician) =>
        _ordersByAssignee.TryGetValue(technician, out var orders) ? orders : [];

    public bool IsReferencedByOrdersOf(string technician, DocumentKey key)
    {
        foreach (var order in OrdersOf(technician))
        {
            if (_facts.TryGetValue(order, out var facts) && (facts.Customer == key || facts.Asset == key))
            {
                return true;
            }
        }
        return false;
    }

    public (DocumentKey? Customer, DocumentKey? Asset) ReferencesOf(DocumentKey order) =>
        _facts.TryGetValue(order, out var facts) ? (facts.Customer, facts.Asset) : (null, null);

    /// <summary>The tracked register values of a document, or null when no op of it is held.</summary>
    public DocumentFacts? FactsOf(DocumentKey key) => _facts.GetValueOrDefault(key);

    /// <summary>Whether the document is deleted now (only derives the read model when it ever was).</summary>
    public bool IsDeleted(DocumentKey key) => _facts.TryGetValue(key, out var facts) && facts.HasDeletes && Documents.Get(key) is { IsDeleted: true };

    /// <summary>Folds committed ops in (under the gate) and publishes them to live streams, after
    /// leaving the gate: linking runs the streams on this thread, and they query the tenant.</summary>
    public void Apply(IReadOnlyList<CommittedOp> ops, long head)
    {
        CommitNode previous, node;
        lock (_gate)
        {
            (previous, node) = ApplyLocked(ops, head);
        }
        previous.Link(node);
    }

    private (CommitNode Previous, CommitNode Node) ApplyLocked(IReadOnlyList<CommittedOp> ops, long head)
    {
        var touched = _touched;
        // Indexed: an enumerator over the interface would be an allocation per commit.
        for (var i = 0; i < ops.Count; i++)
        {
            var committed = ops[i];
            if (committed.Op.Dot.Replica == relay)
            {
                NextRelaySequence = Math.Max(NextRelaySequence, committed.Op.Dot.Seq + 1);
            }

            if (!Documents.Apply(committed.Op))
            {
                continue;
            }

            _versions[committed.Op.Document] = committed.Position;
            var key = committed.Op.Document;
            (_facts.TryGetValue(key, out var facts) ? facts : _facts[key] = new DocumentFacts()).Apply(committed.Op);
            if (committed.Op.Document.Collection == WorkOrderFields.Collection)
            {
                touched.Add(committed.Op.Document);
                NoteAssignees(committed.Op);
            }
        }
        foreach (var order in touched)
        {
            Reindex(order);
        }
        touched.Clear();
        var node = new CommitNode(Math.Max(head, Head), ops);
        var previous = Latest;
        Latest = node;
        return (previous, node);
    }

    /// <summary>The document's merged state for a device, with its version (under the gate).</summary>
    private Wire.DocumentSnapshot SnapshotLocked(DocumentKey key)
    {
        var snapshot = Wire.CoreMessages.SnapshotMessage(Documents, key);
        snapshot.Version = (ulong)VersionOf(key);
        return snapshot;
    }

    /// <summary>The ops that deleted the document.</summary>
    public List<Dot> DeletesOf(DocumentKey key) => [.. Documents.DeletesOf(key)];

    /// <summary>
    /// Every technician an op of the order names as assignee was assigned to it, whether or not that
    /// write still wins: which technicians were ever assigned is then a function of the ops held, the
    /// same however they were batched (a push, a page of start-up replay, a checkpoint and its tail).
    /// </summary>
    private void NoteAssignees(Op op)
    {
        // Indexed: an enumerator over the interface would be an allocation per op applied.
        var mutations = op.Mutations;
        for (var m = 0; m < mutations.Count; m++)
        {
            if (mutations[m] is SetField { Field: WorkOrderFields.Assignee, Value: { Kind: FieldValueKind.String } value })
            {
                (_everAssigned.TryGetValue(op.Document, out var names) ? names : _everAssigned[op.Document] = new(StringComparer.Ordinal)).Add(value.AsString());
            }
        }
    }

    private void Reindex(DocumentKey order)
    {
        // A deleted order stays with its assignee: the technician must receive the delete, and
        // the EditOnDeleted flag its own concurrent edits raise, to resolve it.
        var assignee = _facts[order].Assignee;
        if (_assignees.TryGetValue(order, out var previous) && previous != assignee)
        {
            _ordersByAssignee[previous].Remove(order);
            _assignees.Remove(order);
        }
        if (assignee is not null)
        {
            _assignees[order] = assignee;
            (_ordersByAssignee.TryGetValue(assignee, out var set) ? set : _ordersByAssignee[assignee] = []).Add(order);
            (_everAssigned.TryGetValue(order, out var names) ? names : _everAssigned[order] = new(StringComparer.Ordinal)).Add(assignee);
        }
    }
}
