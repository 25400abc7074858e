using Crdt.Core.Merge;


namespace Crdt.Core;

/// <summary>
/// Write-time validation of an edit against the schema and the document as the author sees it:
/// unknown collection, field or element field, wrong value type, a value outside a field's
/// allowed values, a missing required field on create, a status move its workflow does not allow
/// from the status the author sees, work added to a closed order, edits of a missing or deleted
/// document, unknown flags, and the bounds of <see cref="ValueRules"/> (per-field limits, strict
/// text, element counts, the document state cap). The rules that read only the schema are
/// <see cref="SchemaCheck"/>'s, shared with the relay; this adds those that read the document. Used by <see cref="LocalEditor"/>, and by the
/// relay for edits it stamps on a caller's behalf.
/// </summary>
public static class EditValidator
{
    /// <summary>Throws <see cref="ValidationException"/> naming the document, the field and the reason when the edit is refused.</summary>
    /// <param name="documents">The state the author sees.</param>
    /// <param name="key">The document.</param>
    /// <param name="mutations">The edit's mutations.</param>
    /// <param name="create">True when the edit creates the document.</param>
    /// <param name="authority">Which status moves the author may make (a dispatcher's edits: <see cref="StatusAuthority.Dispatch"/>).</param>
    public static void Validate(DocumentSet documents, DocumentKey key, IReadOnlyList<Mutation> mutations, bool create,
        StatusAuthority authority = StatusAuthority.Field) =>
        ValidateEdit(documents, key, mutations, create, authority, out _);

    /// <summary>
    /// As <see cref="Validate"/>; returns the document's state it looked up (null when new), so the editor need not look it up again,
    /// and the edit's <see cref="ValueRules.EstimateAddedBytes(IReadOnlyList{Mutation}, string)"/> with no author in
    /// <paramref name="estimatedBytes"/>, so that applying the op need not compute it again.
    /// </summary>
    internal static DocumentState? ValidateEdit(DocumentSet documents, DocumentKey key, IReadOnlyList<Mutation> mutations, bool create,
        StatusAuthority authority, out long estimatedBytes)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(mutations);
        var state = documents.StateOf(key);
        // A document's state holds its collection's schema (registrations cannot be replaced): no registry lookup per edit.
        var schema = state?.Schema;
        if (schema is null && !documents.Schemas.TryGet(key.Collection, out schema))
        {
            throw new ValidationException(key, null, $"unknown collection '{key.Collection}'");
        }
        // Read once: the list is an interface, and every call on it is a dispatch on the edit path.
        var count = mutations.Count;
        if (count == 0)
        {
            throw new ValidationException(key, null, "the edit has no mutations");
        }
        if (create && state is not null)
        {
            throw new ValidationException(key, null, "the document already exists");
        }
        if (!create && !OnlyResolutions(mutations, count))
        {
            if (state is null)
            {
                throw new ValidationException(key, null, "the document does not exist (create it first)");
            }
            if (state.MayBeDeleted && state.Deletes.Count > 0 && documents.View(key).IsDeleted)
            {
                throw new ValidationException(key, null, "the document is deleted");
            }
        }

        // Values this edit sets, in order: required-on-create checks and the closed-state rule read them.
        Dictionary<string, FieldValue>? setHere = null;
        Dictionary<string, int>? addedHere = null;
        var hasWorkflows = schema.HasWorkflows;
        var keepsSetValues = create || schema.HasClosedStateRules || hasWorkflows;
        // The byte estimate is summed in this pass: walking the list again cost two more interface calls per edit.
        var bytes = ValueRules.OpBaseBytes;
        for (var i = 0; i < count; i++)
        {
            var mutation = mutations[i];
            // A field set (most edits' only mutation) is checked here; the other kinds in CheckOther, whose
            // locals and messages would otherwise widen this frame (zeroed on every call).
            if (mutation is SetField set)
            {
                Check(schema, key, set);
                // Most collections have no workflow: test the count before searching the list (every set's path).
                if (!create && hasWorkflows && set.Value is { Kind: FieldValueKind.String } to && schema.WorkflowOf(set.Field) is { } workflow)
                {
                    CheckStep(documents, state, key, workflow, setHere, to.AsString(), authority);
                }
                if (keepsSetValues)
                {
                    (setHere ??= new Dictionary<string, FieldValue>(StringComparer.Ordinal))[set.Field] = set.Value;
                }
            }
            else
            {
                CheckOther(documents, schema, state, key, mutations, mutation, create, authority, setHere, ref addedHere);
            }
            // After the checks: a mutation that fails them (a null id, say) is refused before it is measured.
            bytes += ValueRules.EstimateBytes(mutation);
        }

        estimatedBytes = bytes;
        if (documents.CheckStateCapOf(state, key, estimatedBytes) is { } tooBig)
        {
            throw new ValidationException(key, null, tooBig);
        }

        if (create && SchemaCheck.OfCreate(schema, mutations) is { } missing)
        {
            throw new ValidationException(key, missing);
        }
        return state;
    }

    /// <summary>Checks one mutation of an edit, any kind but a field set (see <see cref="ValidateEdit"/>).</summary>
    private static void CheckOther(DocumentSet documents, CollectionSchema schema, DocumentState? state, DocumentKey key,
        IReadOnlyList<Mutation> mutations, Mutation mutation, bool create, StatusAuthority authority,
        Dictionary<string, FieldValue>? setHere, ref Dictionary<string, int>? addedHere)
    {
        switch (mutation)
        {
            case AddElement add:
            {
                Check(schema, key, add);
                var field = schema.Fields[add.Field];
                if (state is not null && state.Sets.TryGetValue(add.Field, out var elements) && elements.TryGetValue(add.ElementId, out var existing) && existing.IsLive)
                {
                    throw new ValidationException(key, add.Field, $"element '{add.ElementId}' already exists");
                }
                addedHere ??= new Dictionary<string, int>(StringComparer.Ordinal);
                addedHere[add.Field] = addedHere.GetValueOrDefault(add.Field) + 1;
                if (documents.ElementCount(key, add.Field) + addedHere[add.Field] > field.MaxElements)
                {
                    throw new ValidationException(key, add.Field, $"the set may be given at most {field.MaxElements} elements (removed ones count too)");
                }
                CheckNotClosed(documents, schema, state, key, add.Field, setHere, "cannot take new entries");
                break;
            }
            case SetElementField setElement:
            {
                Check(schema, key, setElement);
                RequireLiveElement(state, key, setElement.Field, setElement.ElementId, mutations);
                CheckNotClosed(documents, schema, state, key, setElement.Field, setHere, "cannot have its entries changed");
                break;
            }
            case RemoveElement remove:
                Check(schema, key, remove);
                RequireLiveElement(state, key, remove.Field, remove.ElementId, mutations);
                break;
            case DeleteDocument:
                if (create)
                {
                    throw new ValidationException(key, null, "a document cannot be deleted while it is created");
                }
                break;
            case ResolveFlag resolve:
                CheckResolution(documents, schema, key, resolve, authority);
                break;
            default:
                throw new ValidationException(key, mutation.TargetField, $"unsupported mutation {mutation.GetType().Name}");
        }
    }

    private static bool OnlyResolutions(IReadOnlyList<Mutation> mutations, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (mutations[i] is not ResolveFlag)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The schema rules (<see cref="SchemaCheck"/>), the same the relay applies.</summary>
    private static void Check(CollectionSchema schema, DocumentKey key, Mutation mutation)
    {
        if (SchemaCheck.OfMutation(schema, mutation) is { } violation)
        {
            throw new ValidationException(key, violation);
        }
    }

    private static void RequireLiveElement(DocumentState? state, DocumentKey key, string field, string id, IReadOnlyList<Mutation> mutations)
    {
        var live = state is not null && state.Sets.TryGetValue(field, out var elements) && elements.TryGetValue(id, out var element) && element.IsLive;
        if (!live && !AddsElement(mutations, field, id))
        {
            throw new ValidationException(key, field, $"there is no element '{id}'");
        }
    }

    // A loop, not a lambda: a closure over field and id was allocated on every call, found or not.
    private static bool AddsElement(IReadOnlyList<Mutation> mutations, string field, string id)
    {
        for (int i = 0, count = mutations.Count; i < count; i++)
        {
            if (mutations[i] is AddElement add && add.Field == field && add.ElementId == id)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Refuses a status move the workflow does not allow from the status the author sees (or this edit set before).</summary>
    private static void CheckStep(DocumentSet documents, DocumentState? state, DocumentKey key, StatusWorkflow workflow,
        Dictionary<string, FieldValue>? setInThisEdit, string to, StatusAuthority authority)
    {
        var from = setInThisEdit is not null && setInThisEdit.TryGetValue(workflow.StatusField, out var pending)
            ? pending
            : ShownStatus(documents, state, key, workflow.StatusField);
        var refusal = workflow.Refusal(from is { Kind: FieldValueKind.String } ? from.AsString() : null, to, authority);
        if (refusal is not null)
        {
            throw new ValidationException(key, workflow.StatusField, $"the {key.Collection} cannot move to '{to}': {refusal}");
        }
    }

    /// <summary>
    /// Refuses a resolution of a flag the document does not have, or one that does not fit the flag. A method of its own:
    /// the lambda captures <paramref name="resolve"/>, and in the validator's loop its closure was allocated for every
    /// mutation, sets included.
    /// </summary>
    private static void CheckResolution(DocumentSet documents, CollectionSchema schema, DocumentKey key, ResolveFlag resolve, StatusAuthority authority)
    {
        var flag = documents.Flags(key).FirstOrDefault(f => f.Id == resolve.FlagId)
            ?? throw new ValidationException(key, null, $"there is no flag '{resolve.FlagId}' on this document");
        if (SchemaCheck.OfResolution(flag.Kind, resolve.Resolution, flag.Field) is { } misfit)
        {
            throw new ValidationException(key, misfit);
        }
        CheckStatusResolution(schema, key, flag, resolve.Resolution, authority);
    }

    /// <summary>
    /// Keep-mine on a StatusConflict that shows a closing state applies the other write, which
    /// reopens the document: the workflow's rule for leaving a closing state applies to it.
    /// </summary>
    private static void CheckStatusResolution(CollectionSchema schema, DocumentKey key, Flag flag, Resolution resolution, StatusAuthority authority)
    {
        if (flag.Kind != FlagKind.StatusConflict || resolution != Resolution.KeepMine || schema.WorkflowOf(flag.Field!) is not { } workflow
            || !workflow.IsClosing(flag.WinnerValue) || workflow.IsClosing(flag.LoserValue) || authority == StatusAuthority.Dispatch)
        {
            return;
        }
        throw new ValidationException(key, flag.Field, $"keep-mine would reopen the {key.Collection} ('{flag.WinnerValue}' → '{flag.LoserValue}'): only a dispatcher may reopen it");
    }

    /// <summary>
    /// The status as the author's view shows it. A StatusConflict can show another write than the
    /// latest, which needs a closing write somewhere in the field's history: only then is the
    /// (cached) read model asked, so the usual edit path stays a register read.
    /// </summary>
    private static FieldValue? ShownStatus(DocumentSet documents, DocumentState? state, DocumentKey key, string field)
    {
        if (state is null || !state.Fields.TryGetValue(field, out var register) || !register.HasWinner)
        {
            return null;
        }
        if (register.History is { Count: > 1 } history && state.Schema?.WorkflowOf(field) is { } workflow && AnyClosing(history, workflow))
        {
            return documents.View(key)[field];
        }
        return register.Winner.Value;
    }

    // A loop, not a lambda: a closure over the workflow was allocated on every call, even with no history.
    private static bool AnyClosing(List<Write> history, StatusWorkflow workflow)
    {
        foreach (var write in history)
        {
            if (workflow.IsClosing(write.Value))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Refuses work on an order the author sees closed (its status, or the status this edit sets first).</summary>
    private static void CheckNotClosed(DocumentSet documents, CollectionSchema schema, DocumentState? state, DocumentKey key, string set,
        Dictionary<string, FieldValue>? setInThisEdit, string what)
    {
        foreach (var rule in schema.ClosedStateRules)
        {
            if (!rule.WorkFields.Contains(set, StringComparer.Ordinal))
            {
                continue;
            }
            var status = setInThisEdit is not null && setInThisEdit.TryGetValue(rule.StatusField, out var pending)
                ? pending
                : ShownStatus(documents, state, key, rule.StatusField);
            if (rule.IsClosing(status))
            {
                throw new ValidationException(key, set, $"the {key.Collection} is {status!.AsString()}: it {what} (reopen it first)");
            }
        }
    }
}
