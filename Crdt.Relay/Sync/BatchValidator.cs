using Crdt.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Policy;

namespace Crdt.Relay.Sync;

/// <summary>
/// Checks the ops of one batch, in order, against a tenant's merged state plus the batch's own
/// earlier ops (an op may create an order that the next op edits): schema (Core's
/// <see cref="SchemaCheck"/>, the rules and words the device used), write scope, and the two write-time rules that depend on what the author had seen —
/// adding work to an order its author saw closed, and editing a document its author saw deleted.
/// The same edits made concurrently are accepted: they become flags, not refusals.
/// Trust nothing the device claims: the author must be the caller; the role's rights come from
/// <see cref="RolePolicy"/>; every value is within its field's <see cref="ValueLimits"/>; sets and
/// the document's encoded state stay within their caps; the causal context names only ops the
/// relay holds.
/// Runs under the tenant's gate; throws <see cref="RelayRefusal"/> at the first bad op.
/// </summary>
internal sealed class BatchValidator(TenantState tenant, CallerIdentity caller, ScopePolicy scope)
{
    private readonly Dictionary<DocumentKey, BatchFacts> _overlay = [];
    // The status workflow of the schema last asked about: a batch is nearly always one collection's
    // ops, and looking it up walks the schema's workflows through an enumerator for every op.
    private CollectionSchema? _workflowSchema;
    private StatusWorkflow? _workflow;

    /// <summary>What validation needs to know of a document, after the batch's earlier ops.</summary>
    private sealed class BatchFacts
    {
        public bool Exists;
        public bool Deleted;
        public string? Assignee;
        public Dot? AssignedBy;
        public long PendingBytes;
        public Dictionary<string, int>? PendingElements;
        public Dictionary<ReplicaId, long>? PendingSeqs;
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
        // Authorship first: it is the one claim a device cannot make for someone else.
        if (op.Author != caller.Name)
        {
            throw RelayRefusal.Denied($"{where}, field 'author': '{Shorten(op.Author)}' is not the caller; " +
                $"an op's author must be the authenticated device's name '{caller.Name}'");
        }

        var facts = Facts(op.Document, schema);
        scope.CheckWrite(caller, op, facts.Exists, facts.Assignee, facts.AssignedBy, where);
        RolePolicy.CheckOp(caller, op, facts.Exists, where);
        CheckContext(where, op, facts);

        var isEdit = false;
        // Indexed, here and below, not foreach: an enumerator over the interface is an allocation,
        // and these loops run for every op of every push.
        var mutations = op.Mutations;
        for (var m = 0; m < mutations.Count; m++)
        {
            var mutation = mutations[m];
            isEdit |= mutation is not (ResolveFlag or DeleteDocument);
            CheckMutation(where, schema, mutation);
            CheckReferences(where, mutation);
            if (mutation is AddElement add)
            {
                CheckElementCount(where, schema, op.Document, add, facts);
            }
        }
        if (isEdit)
        {
            var added = ValueRules.EstimateAddedBytes(op);
            if (tenant.Documents.CheckStateCap(op.Document, facts.PendingBytes + added) is { } tooBig)
            {
                throw RelayRefusal.Precondition($"{where}: {tooBig}");
            }

            facts.PendingBytes += added;
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

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + $"… ({text.Length} characters)";

    /// <summary>
    /// A context may claim only ops the relay holds (in this document, or earlier in the batch):
    /// an invented context would make the op look as if its author had seen edits it never saw.
    /// Entries of the op's own replica say nothing (a replica has always seen its own earlier ops).
    /// </summary>
    private void CheckContext(OpPlace where, Op op, BatchFacts facts)
    {
        if (tenant.Documents.UnseenCompactedOp(op) is { } unseen)
        {
            // Made concurrently with ops every live device had acknowledged (so they were compacted):
            // merging it could leave compacted and uncompacted replicas with different states.
            throw RelayRefusal.Precondition($"{where}, field 'context': the op has not seen {Shorten(unseen.Replica.Value)}:{unseen.Seq}, " +
                "which every device had acknowledged and this document's history was compacted past; it was made on a device " +
                "whose acknowledgement did not cover it (another replica of the same sign-in?) and cannot be merged safely; it stays on the device");
        }

        if (op.Context.IsEmpty || (op.Context.Count == 1 && op.Context.Get(op.Dot.Replica) > 0))
        {
            // Nothing claimed, or only the op's own replica (a document one device edits alone): no
            // entry to check, and no enumerator made for it (Entries is an iterator: an allocation per op).
            return;
        }

        foreach (var (replica, seq) in op.Context.Entries)
        {
            if (replica.Equals(op.Dot.Replica))
            {
                continue;
            }

            var held = Math.Max(tenant.Documents.HighestSeq(op.Document, replica), facts.PendingSeqs?.GetValueOrDefault(replica) ?? 0);
            if (seq > held)
            {
                throw RelayRefusal.Invalid($"{where}, field 'context': entry {Shorten(replica.Value)}:{seq} names ops the relay does not hold " +
                    $"(it holds {Shorten(replica.Value)} up to {held} for this document); a context may name only ops received from the relay");
            }
        }
    }

    /// <summary>
    /// A technician may not point its documents at an existing document it cannot read: an order's
    /// customer or asset enters its scope, so referencing another technician's customer would hand
    /// it read and write access. A document that does not exist yet (made in this batch) is fine.
    /// </summary>
    private void CheckReferences(OpPlace where, Mutation mutation)
    {
        if (caller.SeesWholeTenant)
        {
            return;
        }

        switch (mutation)
        {
            case SetField { Value.Kind: FieldValueKind.Reference } set:
                CheckReference(where, set.Field, set.Value.AsReference());
                break;
            case SetElementField { Value.Kind: FieldValueKind.Reference } element:
                CheckReference(where, $"{element.Field}.{element.ElementField}", element.Value.AsReference());
                break;
            // Decoded elements hold a Dictionary: enumerated as one, its enumerator is a struct, where the
            // interface's is an allocation per element added.
            case AddElement { Values: Dictionary<string, FieldValue> values } add:
                foreach (var (name, value) in values)
                {
                    CheckElementReference(where, add, name, value);
                }
                break;
            case AddElement add:
                foreach (var (name, value) in add.Values)
                {
                    CheckElementReference(where, add, name, value);
                }
                break;
        }
    }

    private void CheckElementReference(OpPlace where, AddElement add, string name, FieldValue value)
    {
        if (value.Kind == FieldValueKind.Reference)
        {
            CheckReference(where, $"{add.Field}.{name}", value.AsReference());
        }
    }

    private void CheckReference(OpPlace where, string field, DocumentKey target)
    {
        if (tenant.Documents.Exists(target) && !scope.CanRead(caller, target))
        {
            throw RelayRefusal.Denied($"{where}, field '{field}': {target} is outside the scope of {caller}; " +
                "a technician may reference only documents it can read (the office links others)");
        }
    }

    private void CheckElementCount(OpPlace where, CollectionSchema schema, DocumentKey key, AddElement add, BatchFacts facts)
    {
        if (!schema.TryGetField(add.Field, out var field))
        {
            return;
        }

        var pending = facts.PendingElements ??= new Dictionary<string, int>(StringComparer.Ordinal);
        var count = tenant.Documents.ElementCount(key, add.Field) + pending.GetValueOrDefault(add.Field) + 1;
        if (count > field.MaxElements)
        {
            throw RelayRefusal.Precondition($"{where}, field '{add.Field}': the set may be given at most {field.MaxElements} elements (removed ones count too)");
        }

        pending[add.Field] = pending.GetValueOrDefault(add.Field) + 1;
    }

    /// <summary>The schema rules, Core's <see cref="SchemaCheck"/> (the device checked the same, in the
    /// same words); only the place in the batch is the relay's.</summary>
    private static void CheckMutation(OpPlace where, CollectionSchema schema, Mutation mutation)
    {
        if (mutation is ResolveFlag resolve)
        {
            // The relay knows the flag's kind from its id alone (the device looked the flag up).
            if (resolve.TargetKind is not { } kind)
            {
                throw RelayRefusal.Invalid($"{where}, flag '{Shorten(resolve.FlagId)}': not a flag id (wc-, ce-, ed-, sc- or sg- and 16 hex digits)");
            }

            if (SchemaCheck.OfResolution(kind, resolve.Resolution, null) is { } misfit)
            {
                throw RelayRefusal.Invalid($"{where}, flag '{resolve.FlagId}': {misfit.Message}");
            }

            return;
        }
        if (SchemaCheck.OfMutation(schema, mutation) is { } violation)
        {
            throw Refusal(where, violation);
        }
    }

    private static void CheckRequiredOnCreate(OpPlace where, CollectionSchema schema, Op op)
    {
        if (SchemaCheck.OfCreate(schema, op.Mutations) is { } missing)
        {
            throw Refusal(where, missing);
        }
    }

    private static RelayRefusal Refusal(OpPlace where, SchemaViolation violation) =>
        RelayRefusal.Invalid(violation.Field is null ? $"{where}: {violation.Message}" : $"{where}, field '{violation.Field}': {violation.Message}");

    private void CheckClosedState(OpPlace where, CollectionSchema schema, Op op, BatchFacts facts)
    {
        var rules = schema.ClosedStateRules;
        for (var r = 0; r < rules.Count; r++)
        {
            var rule = rules[r];
            // The op's own mutations first: most ops add no work, and that answer allocates nothing.
            if (FirstWorkAdded(op, rule) is not { } work || !rule.IsClosing(facts.Status)
                || facts.ClosedBy is not { } closedBy || !op.HasSeen(closedBy))
            {
                continue;
            }

            throw RelayRefusal.Precondition($"{where}, field '{work.Field}': the order is {facts.Status!.AsString()}; " +
                "its author had seen it closed, so work can no longer be added");
        }
    }

    /// <summary>The op's first element added to one of the rule's work fields, or null.</summary>
    private static AddElement? FirstWorkAdded(Op op, ClosedStateRule rule)
    {
        var mutations = op.Mutations;
        for (var m = 0; m < mutations.Count; m++)
        {
            if (mutations[m] is AddElement add && rule.WorkFields.Contains(add.Field))
            {
                return add;
            }
        }
        return null;
    }

    /// <summary>
    /// A status move its author made from the status it had seen must be a step of the workflow
    /// (Core's <see cref="StatusWorkflow.Refusal"/>, the rule the device checked); a move made
    /// without seeing the current status is concurrent: it becomes a StatusConflict flag, not a refusal.
    /// </summary>
    private void CheckStatusStep(OpPlace where, CollectionSchema schema, Op op, BatchFacts facts)
    {
        if (StatusWorkflowOf(schema) is not { } workflow || facts.ClosedBy is not { } writtenBy || !op.HasSeen(writtenBy)
            || facts.Status is not { Kind: FieldValueKind.String } from)
        {
            return;
        }

        var authority = caller.SeesWholeTenant ? StatusAuthority.Dispatch : StatusAuthority.Field;
        var mutations = op.Mutations;
        for (var m = 0; m < mutations.Count; m++)
        {
            if (mutations[m] is not SetField set || set.Field != workflow.StatusField || set.Value is not { Kind: FieldValueKind.String } to)
            {
                continue;
            }

            if (workflow.Refusal(from.AsString(), to.AsString(), authority) is { } refusal)
            {
                throw RelayRefusal.Precondition($"{where}, field '{set.Field}': {caller} cannot move the order to '{to.AsString()}': {refusal}");
            }

            break;
        }
    }

    private StatusWorkflow? StatusWorkflowOf(CollectionSchema schema)
    {
        if (!ReferenceEquals(schema, _workflowSchema))
        {
            _workflow = schema.WorkflowOf(WorkOrderFields.Status);
            _workflowSchema = schema;
        }
        return _workflow;
    }

    private BatchFacts Facts(DocumentKey key, CollectionSchema schema)
    {
        if (_overlay.TryGetValue(key, out var known))
        {
            return known;
        }

        var facts = new BatchFacts();
        if (tenant.FactsOf(key) is { } stored)
        {
            facts.Exists = true;
            facts.Deleted = tenant.IsDeleted(key);
            facts.Assignee = stored.Assignee;
            facts.AssignedBy = stored.AssigneeWrittenBy;
            var rule = FirstClosedStateRule(schema);
            if (rule is not null && rule.StatusField == WorkOrderFields.Status)
            {
                facts.Status = stored.Status;
                if (rule.IsClosing(facts.Status))
                {
                    facts.ClosedBy = stored.StatusWrittenBy;
                }
            }
            if (facts.Deleted)
            {
                facts.DeletedBy = tenant.DeletesOf(key);
            }
        }
        _overlay[key] = facts;
        return facts;
    }

    private static ClosedStateRule? FirstClosedStateRule(CollectionSchema schema) =>
        schema.ClosedStateRules.Count > 0 ? schema.ClosedStateRules[0] : null;

    // The batch's own ops come from one device in the order it made them, so within a batch a
    // later write is the newer one: good enough for the facts validation reads.
    private static void Advance(BatchFacts facts, CollectionSchema schema, Op op)
    {
        var statusField = FirstClosedStateRule(schema)?.StatusField;
        var edits = false;
        var mutations = op.Mutations;
        for (var m = 0; m < mutations.Count; m++)
        {
            var mutation = mutations[m];
            edits |= mutation is not (ResolveFlag or DeleteDocument);
            switch (mutation)
            {
                case DeleteDocument:
                    facts.Deleted = true;
                    (facts.DeletedBy ??= []).Add(op.Dot);
                    break;
                case SetField { Field: WorkOrderFields.Assignee } assign:
                    facts.Assignee = assign.Value is { Kind: FieldValueKind.String } a ? a.AsString() : null;
                    facts.AssignedBy = op.Dot;
                    break;
                case SetField set when set.Field == statusField:
                    facts.Status = set.Value;
                    facts.ClosedBy = op.Dot;
                    break;
            }
        }
        if (edits)
        {
            facts.Exists = true;
        }
        var seqs = facts.PendingSeqs ??= [];
        seqs[op.Dot.Replica] = Math.Max(seqs.GetValueOrDefault(op.Dot.Replica), op.Dot.Seq);
    }
}
