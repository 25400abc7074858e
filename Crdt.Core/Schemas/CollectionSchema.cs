namespace Crdt.Core;

/// <summary>
/// The schema of one collection: its fields (kinds, value types, required-on-create,
/// review-on-conflict) and rules. Immutable; build one with <see cref="Define"/>.
/// </summary>
public sealed class CollectionSchema
{
    internal CollectionSchema(string name, IReadOnlyDictionary<string, FieldSchema> fields, IReadOnlyList<SchemaRule> rules)
    {
        Name = name;
        Fields = fields;
        Rules = rules;
        ClosedStateRules = rules.OfType<ClosedStateRule>().ToArray();
        Totals = rules.OfType<TotalRule>().ToArray();
        Workflows = rules.OfType<StatusWorkflow>().ToArray();
        HasWorkflows = Workflows.Count > 0;
        HasClosedStateRules = ClosedStateRules.Count > 0;
        HistoryFields = new HashSet<string>(
            fields.Values.Where(f => f.ReviewOnConflict).Select(f => f.Name)
                .Concat(ClosedStateRules.Select(r => r.StatusField))
                .Concat(Workflows.Select(w => w.StatusField)),
            StringComparer.Ordinal);
        WorkFields = new HashSet<string>(ClosedStateRules.SelectMany(r => r.WorkFields), StringComparer.Ordinal);
        var table = new List<(FieldSchema, int)>(fields.Count);
        foreach (var field in fields.Values)
        {
            table.Add((field, field.Kind == FieldKind.Lww ? RegisterSlotCount++ : -1));
        }
        _fieldTable = new FieldTable(table);
    }

    /// <summary>Whether <see cref="Workflows"/> has any, read on every set's validation (a field, not an interface call).</summary>
    internal bool HasWorkflows { get; }

    /// <summary>Whether <see cref="ClosedStateRules"/> has any (read as <see cref="HasWorkflows"/> is).</summary>
    internal bool HasClosedStateRules { get; }

    // The fields by name for the per-set lookups, each top-level register with its number among them (a document
    // keeps its registers in an array by it).
    private readonly FieldTable _fieldTable;

    /// <summary>How many top-level register (LWW) fields the collection declares.</summary>
    internal int RegisterSlotCount { get; }

    /// <summary>The number of top-level register field <paramref name="field"/> (0 to <see cref="RegisterSlotCount"/> - 1), or -1 when it is not one.</summary>
    internal int RegisterSlotOf(string field) => _fieldTable.RegisterSlotOf(field);

    /// <summary>Starts declaring a collection named <paramref name="name"/>.</summary>
    public static CollectionSchemaBuilder Define(string name) => new(name);

    /// <summary>The collection's name, e.g. "WorkOrder".</summary>
    public string Name { get; }

    /// <summary>The fields by name.</summary>
    public IReadOnlyDictionary<string, FieldSchema> Fields { get; }

    /// <summary>The rules in declaration order.</summary>
    public IReadOnlyList<SchemaRule> Rules { get; }

    /// <summary>The closed-state rules.</summary>
    public IReadOnlyList<ClosedStateRule> ClosedStateRules { get; }

    /// <summary>The status workflows (at most one per field).</summary>
    public IReadOnlyList<StatusWorkflow> Workflows { get; }

    /// <summary>The workflow of <paramref name="statusField"/>, or null when the field has none.</summary>
    public StatusWorkflow? WorkflowOf(string statusField)
    {
        foreach (var workflow in Workflows)
        {
            if (workflow.StatusField == statusField)
            {
                return workflow;
            }
        }
        return null;
    }

    /// <summary>
    /// This collection with its workflow extended (states and steps added, nothing removed):
    /// <paramref name="statusField"/> names the field when the collection has several workflows.
    /// </summary>
    public CollectionSchema ExtendWorkflow(Action<StatusWorkflowBuilder> extend, string? statusField = null)
    {
        ArgumentNullException.ThrowIfNull(extend);
        var field = statusField ?? (Workflows.Count == 1
            ? Workflows[0].StatusField
            : throw new InvalidOperationException($"collection '{Name}' has {Workflows.Count} workflows: name the status field to extend"));
        return new CollectionSchemaBuilder(this).ExtendWorkflow(field, extend).Build();
    }

    /// <summary>The totals the read model computes.</summary>
    public IReadOnlyList<TotalRule> Totals { get; }

    /// <summary>Fields whose every write is kept because flags read them (review-on-conflict and rule status fields).</summary>
    internal IReadOnlySet<string> HistoryFields { get; }

    /// <summary>OR-set fields that count as work under a closed-state rule.</summary>
    internal IReadOnlySet<string> WorkFields { get; }

    /// <summary>The field named <paramref name="name"/>, if declared.</summary>
    public bool TryGetField(string name, out FieldSchema field) => _fieldTable.TryGet(name, out field);
}
