namespace Crdt.Core;

/// <summary>
/// Declares a collection: <c>CollectionSchema.Define("Job").Lww("status", FieldValueKind.String, required: true)
/// .OrSet("entries", e =&gt; e.Field("hours", FieldValueKind.Decimal, required: true)).Build()</c>.
/// <see cref="Build"/> checks that the rules name declared fields of the right kind.
/// </summary>
public sealed class CollectionSchemaBuilder
{
    private readonly string _name;
    private readonly Dictionary<string, FieldSchema> _fields = new(StringComparer.Ordinal);
    private readonly List<SchemaRule> _rules = [];

    internal CollectionSchemaBuilder(string name)
    {
        if (!DocumentKey.IsValid(name, "x", out var reason))
        {
            throw new ArgumentException($"invalid collection name '{name}': {reason}", nameof(name));
        }
        _name = name;
    }

    /// <summary>Starts from <paramref name="schema"/>'s fields and rules (to extend its workflow).</summary>
    internal CollectionSchemaBuilder(CollectionSchema schema)
    {
        _name = schema.Name;
        foreach (var field in schema.Fields.Values)
        {
            _fields.Add(field.Name, field);
        }
        _rules.AddRange(schema.Rules);
    }

    /// <summary>Declares an LWW register field.</summary>
    /// <param name="name">The field's name.</param>
    /// <param name="valueKind">Its value type (integers are also accepted for decimals).</param>
    /// <param name="required">True when creating a document must set it (non-null).</param>
    /// <param name="reviewOnConflict">True when concurrent writes should be flagged for review.</param>
    /// <param name="allowedValues">For strings: the only values accepted.</param>
    /// <param name="limits">Bounds on its values (<see cref="ValueLimits.Default"/> when null).</param>
    public CollectionSchemaBuilder Lww(string name, FieldValueKind valueKind, bool required = false, bool reviewOnConflict = false, IEnumerable<string>? allowedValues = null,
        ValueLimits? limits = null)
    {
        if (valueKind == FieldValueKind.Null)
        {
            throw new ArgumentException($"field '{name}' of '{_name}': Null is not a value type", nameof(valueKind));
        }
        var allowed = allowedValues?.ToArray();
        if (allowed is not null && valueKind != FieldValueKind.String)
        {
            throw new ArgumentException($"field '{name}' of '{_name}': allowed values need a String field", nameof(allowedValues));
        }
        return AddField(new FieldSchema(name, FieldKind.Lww, valueKind, required, reviewOnConflict, allowed, EmptyElements, limits));
    }

    /// <summary>Declares an add-wins OR-set field whose elements have the fields declared by <paramref name="elements"/>,
    /// given at most <paramref name="maxElements"/> elements ever.</summary>
    public CollectionSchemaBuilder OrSet(string name, Action<ElementSchemaBuilder>? elements = null, int maxElements = ValueRules.DefaultMaxElements)
    {
        if (maxElements < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxElements), $"field '{name}' of '{_name}': at least one element");
        }

        var builder = new ElementSchemaBuilder(_name, name);
        elements?.Invoke(builder);
        return AddField(new FieldSchema(name, FieldKind.OrSet, FieldValueKind.Null, false, false, null, builder.Build(), null, maxElements));
    }

    /// <summary>Adds a closed-state rule (see <see cref="ClosedStateRule"/>).</summary>
    public CollectionSchemaBuilder ClosedState(string statusField, IEnumerable<string> closingValues, IEnumerable<string> workFields)
    {
        _rules.Add(new ClosedStateRule(statusField, closingValues.ToArray(), workFields.ToArray()));
        return this;
    }

    /// <summary>
    /// Declares the workflow of the string field <paramref name="statusField"/> (see <see cref="StatusWorkflow"/>):
    /// its states become the field's allowed values, and its closing states those of a closed-state rule on the field.
    /// </summary>
    public CollectionSchemaBuilder Workflow(string statusField, Action<StatusWorkflowBuilder> declare)
    {
        ArgumentNullException.ThrowIfNull(declare);
        if (_rules.OfType<StatusWorkflow>().Any(w => w.StatusField == statusField))
        {
            throw new InvalidOperationException($"collection '{_name}': field '{statusField}' already has a workflow");
        }
        var builder = new StatusWorkflowBuilder(_name, statusField);
        declare(builder);
        _rules.Add(builder.Build());
        return this;
    }

    /// <summary>Adds states and steps to the workflow of <paramref name="statusField"/>, keeping everything declared.</summary>
    internal CollectionSchemaBuilder ExtendWorkflow(string statusField, Action<StatusWorkflowBuilder> extend)
    {
        var index = _rules.FindIndex(r => r is StatusWorkflow w && w.StatusField == statusField);
        if (index < 0)
        {
            throw new InvalidOperationException($"collection '{_name}': field '{statusField}' has no workflow to extend");
        }
        var builder = new StatusWorkflowBuilder(_name, statusField, (StatusWorkflow)_rules[index]);
        extend(builder);
        _rules[index] = builder.Build();
        return this;
    }

    /// <summary>Adds a total (see <see cref="TotalRule"/>).</summary>
    public CollectionSchemaBuilder Total(string name, string setField, string elementField)
    {
        _rules.Add(new TotalRule(name, setField, elementField));
        return this;
    }

    /// <summary>Checks the declaration and builds the immutable schema.</summary>
    public CollectionSchema Build()
    {
        var fields = new Dictionary<string, FieldSchema>(_fields, StringComparer.Ordinal);
        var rules = _rules.ToArray();
        var workflows = rules.OfType<StatusWorkflow>().ToDictionary(w => w.StatusField, StringComparer.Ordinal);
        for (var i = 0; i < rules.Length; i++)
        {
            switch (rules[i])
            {
                case StatusWorkflow workflow:
                {
                    RequireField(workflow.StatusField, FieldKind.Lww, "workflow", FieldValueKind.String);
                    // The workflow's states are the field's only values.
                    var field = fields[workflow.StatusField];
                    if (field.ReviewOnConflict)
                    {
                        throw new InvalidOperationException($"collection '{_name}': field '{field.Name}' has a workflow, whose StatusConflict flags settle its " +
                            "concurrent writes; it cannot also be review-on-conflict");
                    }
                    fields[field.Name] = new FieldSchema(field.Name, field.Kind, field.ValueKind, field.RequiredOnCreate, field.ReviewOnConflict,
                        workflow.States, field.ElementFields);
                    break;
                }
                case ClosedStateRule closed when workflows.TryGetValue(closed.StatusField, out var owner):
                    // One list of closing states: the workflow's (an extension's new closing state closes to work too).
                    rules[i] = new ClosedStateRule(closed.StatusField, owner.ClosingStates, closed.WorkFields);
                    break;
            }
        }
        foreach (var rule in rules)
        {
            switch (rule)
            {
                case ClosedStateRule closed:
                    RequireField(closed.StatusField, FieldKind.Lww, "closed-state rule", FieldValueKind.String);
                    foreach (var work in closed.WorkFields)
                    {
                        RequireField(work, FieldKind.OrSet, "closed-state rule", null);
                    }
                    break;
                case TotalRule total:
                    RequireField(total.SetField, FieldKind.OrSet, $"total '{total.Name}'", null);
                    if (!_fields[total.SetField].ElementFields.TryGetValue(total.ElementField, out var element)
                        || element.ValueKind is not (FieldValueKind.Decimal or FieldValueKind.Integer))
                    {
                        throw new InvalidOperationException($"collection '{_name}': total '{total.Name}' needs a numeric element field '{total.ElementField}' in '{total.SetField}'");
                    }
                    // The bounds make the total provably fit a decimal: every element at its limit, twice the
                    // element cap (replicas may each add up to it before they hear of the other's adds).
                    var largest = Math.Max(Math.Abs(element.Limits.Min), Math.Abs(element.Limits.Max));
                    if (largest > decimal.MaxValue / (2m * _fields[total.SetField].MaxElements))
                    {
                        throw new InvalidOperationException($"collection '{_name}': total '{total.Name}' could overflow; bound '{total.SetField}.{total.ElementField}' " +
                            $"to at most {decimal.MaxValue / (2m * _fields[total.SetField].MaxElements):0} or give '{total.SetField}' fewer elements");
                    }
                    break;
            }
        }
        return new CollectionSchema(_name, fields, rules);
    }

    private static readonly IReadOnlyDictionary<string, ElementFieldSchema> EmptyElements =
        new Dictionary<string, ElementFieldSchema>(StringComparer.Ordinal);

    private CollectionSchemaBuilder AddField(FieldSchema field)
    {
        if (string.IsNullOrEmpty(field.Name))
        {
            throw new ArgumentException($"collection '{_name}': a field needs a name");
        }
        if (!_fields.TryAdd(field.Name, field))
        {
            throw new ArgumentException($"collection '{_name}': field '{field.Name}' is declared twice");
        }
        return this;
    }

    private void RequireField(string name, FieldKind kind, string what, FieldValueKind? valueKind)
    {
        if (!_fields.TryGetValue(name, out var field) || field.Kind != kind || (valueKind is { } v && field.ValueKind != v))
        {
            throw new InvalidOperationException($"collection '{_name}': the {what} names '{name}', which is not a declared {kind}{(valueKind is { } k ? " " + k : "")} field");
        }
    }
}
