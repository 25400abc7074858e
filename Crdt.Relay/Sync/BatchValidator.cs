using Crdt.Core;
using Crdt.Relay.Auth;

namespace Crdt.Relay.Sync;

/// <summary>
/// Checks the ops of one batch, in order, against a tenant's merged state plus the batch's own
/// earlier ops (an op may create an order that the next op edits): schema (known collection and
/// fields, field kinds, value types, allowed values, required fields on create, required element
/// fields), write scope, and the two write-time rules that depend on what the author had seen —
/// adding work to an order its author saw closed, and editing a document its author saw deleted.
/// The same edits made concurrently are accepted: they become flags, not refusals.
/// Runs under the tenant's gate; throws <see cref="RelayRefusal"/> at the first bad op.
/// </summary>
internal sealed class BatchValidator(TenantState tenant, CallerIdentity caller, ScopePolicy scope)
{
    private readonly Dictionary<DocumentKey, BatchFacts> _overlay = [];

    /// <summary>What validation needs to know of a document, after the batch's earlier ops.</summary>
    private sealed class BatchFacts
    {
        public bool Exists;
        public bool Deleted;
        public string? Assignee;
        public FieldValue? Status;
        public Dot? ClosedBy;
        public List<Dot>? DeletedBy;
    }

    public void Validate(Op op, int index)
    {
        var where = new OpPlace(op, index);
        if (!tenant.Documents.Schemas.TryGet(op.Document.Collection, out var schema))
        {
            throw RelayRefusal.Invalid($"{where}: unknown collection '{op.Document.Collection}'");
        }
        var facts = Facts(op.Document, schema);
        scope.CheckWrite(caller, op, facts.Exists, facts.Assignee, where);

        var isEdit = false;
        foreach (var mutation in op.Mutations)
        {
            isEdit |= mutation is not (ResolveFlag or DeleteDocument);
            CheckMutation(where, schema, mutation);
        }
        if (isEdit && !facts.Exists)
        {
            CheckRequiredOnCreate(where, schema, op);
        }
        if (isEdit && facts.Deleted && (facts.DeletedBy ?? []).Any(op.HasSeen))
        {
            throw RelayRefusal.Precondition($"{where}: the document was deleted before this edit was made (its author had seen the delete)");
        }
        CheckClosedState(where, schema, op, facts);
        CheckStatusStep(where, schema, op, facts);
        Advance(facts, schema, op);
    }

    private static void CheckMutation(OpPlace where, CollectionSchema schema, Mutation mutation)
    {
        switch (mutation)
        {
            case SetField set:
                {
                    var field = Field(where, schema, set.Field, FieldKind.Lww);
                    CheckValue(where, set.Field, null, field.ValueKind, set.Value);
                    if (field.AllowedValues is { } allowed && set.Value is { Kind: FieldValueKind.String } text
                        && !allowed.Contains(text.AsString(), StringComparer.Ordinal))
                    {
                        throw RelayRefusal.Invalid($"{where}, field '{set.Field}': '{text.AsString()}' is not one of {string.Join(", ", allowed)}");
                    }
                    break;
                }
            case AddElement add:
                {
                    var field = Field(where, schema, add.Field, FieldKind.OrSet);
                    foreach (var (name, value) in add.Values)
                    {
                        var element = ElementField(where, field, name);
                        CheckValue(where, add.Field, name, element.ValueKind, value);
                    }
                    foreach (var required in field.ElementFields.Values.Where(f => f.RequiredOnAdd))
                    {
                        if (!add.Values.TryGetValue(required.Name, out var value) || value.IsNull)
                            throw RelayRefusal.Invalid($"{where}, field '{add.Field}.{required.Name}': required when adding an element");
                    }
                    break;
                }
            case SetElementField setElement:
                {
                    var field = Field(where, schema, setElement.Field, FieldKind.OrSet);
                    var element = ElementField(where, field, setElement.ElementField);
                    CheckValue(where, setElement.Field, setElement.ElementField, element.ValueKind, setElement.Value);
                    break;
                }
            case RemoveElement remove:
                Field(where, schema, remove.Field, FieldKind.OrSet);
                break;
        }
    }

    private static FieldSchema Field(OpPlace where, CollectionSchema schema, string name, FieldKind kind)
    {
        if (!schema.TryGetField(name, out var field))
            throw RelayRefusal.Invalid($"{where}, field '{name}': no such field in collection '{schema.Name}'");
        if (field.Kind != kind)
            throw RelayRefusal.Invalid($"{where}, field '{name}': is {(field.Kind == FieldKind.Lww ? "a register" : "an OR-set")}, " +
                $"not {(kind == FieldKind.Lww ? "a register" : "an OR-set")}");
        return field;
    }

    private static ElementFieldSchema ElementField(OpPlace where, FieldSchema set, string name) =>
        set.ElementFields.TryGetValue(name, out var element)
            ? element
            : throw RelayRefusal.Invalid($"{where}, field '{set.Name}.{name}': no such element field");

    private static void CheckValue(OpPlace where, string field, string? elementField, FieldValueKind declared, FieldValue value)
    {
        if (!FieldSchema.Accepts(declared, value))
            throw RelayRefusal.Invalid($"{where}, field '{(elementField is null ? field : $"{field}.{elementField}")}': expects {declared.ToString().ToLowerInvariant()}, got {value.Kind.ToString().ToLowerInvariant()}");
    }

    private static void CheckRequiredOnCreate(OpPlace where, CollectionSchema schema, Op op)
    {
        foreach (var required in schema.Fields.Values.Where(f => f.RequiredOnCreate))
        {
            var set = op.Mutations.OfType<SetField>().LastOrDefault(m => m.Field == required.Name);
            if (set is null || set.Value.IsNull)
                throw RelayRefusal.Invalid($"{where}, field '{required.Name}': required when creating a {schema.Name}");
        }
    }

    private void CheckClosedState(OpPlace where, CollectionSchema schema, Op op, BatchFacts facts)
    {
        foreach (var rule in schema.ClosedStateRules)
        {
            if (!rule.IsClosing(facts.Status) || facts.ClosedBy is not { } closedBy || !op.HasSeen(closedBy)) continue;
            var work = op.Mutations.OfType<AddElement>().FirstOrDefault(m => rule.WorkFields.Contains(m.Field));
            if (work is not null)
                throw RelayRefusal.Precondition($"{where}, field '{work.Field}': the order is {facts.Status!.AsString()}; " +
                    "its author had seen it closed, so work can no longer be added");
        }
    }

    /// <summary>
    /// A status move its author made from the status it had seen must be a step of the workflow
    /// (Core's <see cref="StatusWorkflow.Refusal"/>, the rule the device checked); a move made
    /// without seeing the current status is concurrent: it becomes a StatusConflict flag, not a refusal.
    /// </summary>
    private void CheckStatusStep(OpPlace where, CollectionSchema schema, Op op, BatchFacts facts)
    {
        if (schema.WorkflowOf(WorkOrderFields.Status) is not { } workflow || facts.ClosedBy is not { } writtenBy || !op.HasSeen(writtenBy)
            || facts.Status is not { Kind: FieldValueKind.String } from)
            return;
        var authority = caller.SeesWholeTenant ? StatusAuthority.Dispatch : StatusAuthority.Field;
        foreach (var set in op.Mutations.OfType<SetField>())
        {
            if (set.Field != workflow.StatusField || set.Value is not { Kind: FieldValueKind.String } to) continue;
            if (workflow.Refusal(from.AsString(), to.AsString(), authority) is { } refusal)
                throw RelayRefusal.Precondition($"{where}, field '{set.Field}': {caller} cannot move the order to '{to.AsString()}': {refusal}");
            break;
        }
    }

    private BatchFacts Facts(DocumentKey key, CollectionSchema schema)
    {
        if (_overlay.TryGetValue(key, out var known)) return known;
        var facts = new BatchFacts();
        if (tenant.FactsOf(key) is { } stored)
        {
            facts.Exists = true;
            facts.Deleted = tenant.IsDeleted(key);
            facts.Assignee = stored.Assignee;
            var rule = schema.ClosedStateRules.FirstOrDefault();
            if (rule is not null && rule.StatusField == WorkOrderFields.Status)
            {
                facts.Status = stored.Status;
                if (rule.IsClosing(facts.Status)) facts.ClosedBy = stored.StatusWrittenBy;
            }
            if (facts.Deleted) facts.DeletedBy = tenant.DeletesOf(key);
        }
        _overlay[key] = facts;
        return facts;
    }

    // The batch's own ops come from one device in the order it made them, so within a batch a
    // later write is the newer one: good enough for the facts validation reads.
    private static void Advance(BatchFacts facts, CollectionSchema schema, Op op)
    {
        var statusField = schema.ClosedStateRules.FirstOrDefault()?.StatusField;
        foreach (var mutation in op.Mutations)
        {
            switch (mutation)
            {
                case DeleteDocument:
                    facts.Deleted = true;
                    (facts.DeletedBy ??= []).Add(op.Dot);
                    break;
                case SetField { Field: WorkOrderFields.Assignee } assign:
                    facts.Assignee = assign.Value is { Kind: FieldValueKind.String } a ? a.AsString() : null;
                    break;
                case SetField set when set.Field == statusField:
                    facts.Status = set.Value;
                    facts.ClosedBy = op.Dot;
                    break;
            }
        }
        if (op.Mutations.Any(m => m is not (ResolveFlag or DeleteDocument)))
        {
            facts.Exists = true;
        }
    }
}
