namespace Crdt.Core;

/// <summary>Declares the fields of an OR-set's elements.</summary>
public sealed class ElementSchemaBuilder
{
    private readonly string _collection;
    private readonly string _set;
    private readonly Dictionary<string, ElementFieldSchema> _fields = new(StringComparer.Ordinal);

    internal ElementSchemaBuilder(string collection, string set)
    {
        _collection = collection;
        _set = set;
    }

    /// <summary>Declares an element field; <paramref name="required"/> means adding an element must give it a non-null value;
    /// <paramref name="limits"/> bounds its values (<see cref="ValueLimits.Default"/> when null).</summary>
    public ElementSchemaBuilder Field(string name, FieldValueKind valueKind, bool required = false, ValueLimits? limits = null)
    {
        if (string.IsNullOrEmpty(name) || valueKind == FieldValueKind.Null)
        {
            throw new ArgumentException($"collection '{_collection}', set '{_set}': an element field needs a name and a value type");
        }
        if (!_fields.TryAdd(name, new ElementFieldSchema(name, valueKind, required, limits)))
        {
            throw new ArgumentException($"collection '{_collection}', set '{_set}': element field '{name}' is declared twice");
        }
        return this;
    }

    internal IReadOnlyDictionary<string, ElementFieldSchema> Build() => new Dictionary<string, ElementFieldSchema>(_fields, StringComparer.Ordinal);
}
