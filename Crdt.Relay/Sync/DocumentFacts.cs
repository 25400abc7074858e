using Crdt.Core;

namespace Crdt.Relay.Sync;

/// <summary>
/// The few register values scopes and validation read (assignee, status, customer, asset), kept
/// per document as ops are applied: last writer wins by Hlc, a later write within one op wins,
/// exactly as the merged state decides. Reading them costs nothing, where deriving the document's
/// full read model (flags included) on every push would cost more than storing the push.
/// </summary>
internal sealed class DocumentFacts
{
    private Hlc _assigneeAt, _statusAt, _customerAt, _assetAt;

    public string? Assignee { get; private set; }
    public Dot? AssigneeWrittenBy { get; private set; }
    public FieldValue? Status { get; private set; }
    public Dot? StatusWrittenBy { get; private set; }
    public DocumentKey? Customer { get; private set; }
    public DocumentKey? Asset { get; private set; }

    /// <summary>Whether any op deleted the document (then the read model says whether it still is).</summary>
    public bool HasDeletes { get; private set; }

    /// <summary>
    /// The facts of a document loaded from a compacted base (its ops are no longer replayed): each
    /// tracked register's winning write, with its stamp so later ops keep comparing as they would have.
    /// </summary>
    public static DocumentFacts FromState(DocumentSet documents, DocumentKey key)
    {
        var facts = new DocumentFacts { HasDeletes = documents.DeletesOf(key).Count > 0 };
        if (documents.WinningWrite(key, WorkOrderFields.Assignee) is { } assignee)
        {
            facts._assigneeAt = assignee.Hlc;
            facts.AssigneeWrittenBy = assignee.Dot;
            facts.Assignee = assignee.Value is { Kind: FieldValueKind.String } a ? a.AsString() : null;
        }
        if (documents.WinningWrite(key, WorkOrderFields.Status) is { } status)
        {
            facts._statusAt = status.Hlc;
            facts.Status = status.Value.IsNull ? null : status.Value;
            facts.StatusWrittenBy = status.Dot;
        }
        if (documents.WinningWrite(key, WorkOrderFields.Customer) is { } customer)
        {
            facts._customerAt = customer.Hlc;
            facts.Customer = customer.Value is { Kind: FieldValueKind.Reference } c ? c.AsReference() : null;
        }
        if (documents.WinningWrite(key, WorkOrderFields.Asset) is { } asset)
        {
            facts._assetAt = asset.Hlc;
            facts.Asset = asset.Value is { Kind: FieldValueKind.Reference } s ? s.AsReference() : null;
        }
        return facts;
    }

    public void Apply(Op op)
    {
        // Indexed: an enumerator over the interface would be an allocation per op applied.
        var mutations = op.Mutations;
        for (var m = 0; m < mutations.Count; m++)
        {
            switch (mutations[m])
            {
                case DeleteDocument:
                    HasDeletes = true;
                    break;
                case SetField { Field: WorkOrderFields.Assignee } set when op.Hlc >= _assigneeAt:
                    _assigneeAt = op.Hlc;
                    AssigneeWrittenBy = op.Dot;
                    Assignee = set.Value is { Kind: FieldValueKind.String } a ? a.AsString() : null;
                    break;
                case SetField { Field: WorkOrderFields.Status } set when op.Hlc >= _statusAt:
                    _statusAt = op.Hlc;
                    Status = set.Value.IsNull ? null : set.Value;
                    StatusWrittenBy = op.Dot;
                    break;
                case SetField { Field: WorkOrderFields.Customer } set when op.Hlc >= _customerAt:
                    _customerAt = op.Hlc;
                    Customer = set.Value is { Kind: FieldValueKind.Reference } c ? c.AsReference() : null;
                    break;
                case SetField { Field: WorkOrderFields.Asset } set when op.Hlc >= _assetAt:
                    _assetAt = op.Hlc;
                    Asset = set.Value is { Kind: FieldValueKind.Reference } s ? s.AsReference() : null;
                    break;
            }
        }
    }
}
