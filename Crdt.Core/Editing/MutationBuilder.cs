namespace Crdt.Core;

/// <summary>Collects the mutations of one edit (see <see cref="LocalEditor.Edit(DocumentKey, string, long, Action{MutationBuilder})"/>).</summary>
public sealed class MutationBuilder
{
    // Most edits are one mutation (a set as a user types): that one is kept without a list, and
    // handed out as a one-element array (one allocation per edit instead of a list and its array).
    private Mutation? _single;
    private List<Mutation>? _many;

    /// <summary>The mutations so far, in order.</summary>
    public IReadOnlyList<Mutation> Mutations => _many is not null ? _many : _single is null ? [] : new[] { _single };

    /// <summary>Writes LWW field <paramref name="field"/>.</summary>
    public MutationBuilder Set(string field, FieldValue value) => Add(new SetField(field, value ?? FieldValue.Null));

    /// <summary>Adds element <paramref name="elementId"/> to OR-set <paramref name="field"/> with its field values.</summary>
    public MutationBuilder Add(string field, string elementId, IReadOnlyDictionary<string, FieldValue> values) =>
        Add(new AddElement(field, elementId, new Dictionary<string, FieldValue>(values, StringComparer.Ordinal)));

    /// <summary>Adds element <paramref name="elementId"/> to OR-set <paramref name="field"/> with its field values.</summary>
    public MutationBuilder Add(string field, string elementId, params (string Field, FieldValue Value)[] values)
    {
        var map = new Dictionary<string, FieldValue>(values.Length, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            map[name] = value ?? FieldValue.Null;
        }
        return Add(new AddElement(field, elementId, map));
    }

    /// <summary>Writes one field of an existing element.</summary>
    public MutationBuilder SetElement(string field, string elementId, string elementField, FieldValue value) =>
        Add(new SetElementField(field, elementId, elementField, value ?? FieldValue.Null));

    /// <summary>Removes an element (the additions of it this replica has seen).</summary>
    public MutationBuilder Remove(string field, string elementId) => Add(new RemoveElement(field, elementId));

    /// <summary>Deletes the document.</summary>
    public MutationBuilder Delete() => Add(DeleteDocument.Instance);

    /// <summary>Adds any mutation.</summary>
    public MutationBuilder Add(Mutation mutation)
    {
        ArgumentNullException.ThrowIfNull(mutation);
        if (_many is not null)
        {
            _many.Add(mutation);
        }
        else if (_single is null)
        {
            _single = mutation;
        }
        else
        {
            _many = [_single, mutation];
        }
        return this;
    }
}
