using Crdt.Bench.Workloads;
using Crdt.Core;

namespace Crdt.Bench.Memory;

/// <summary>
/// The application-declared collection the workloads use: exactly the workload's fields, no
/// required fields and no rules, so that no built-in WorkOrder rule changes the state.
/// </summary>
public static class BenchCollection
{
    public const string Name = "BenchOrder";

    public static CollectionSchema Schema { get; } = Build();

    /// <summary>A registry with the built-in collections plus the benchmark one.</summary>
    public static SchemaRegistry Registry() => SchemaRegistry.CreateDefault().Register(Schema);

    public static DocumentKey Key(int doc) => Keys[doc < Keys.Length ? doc : throw new ArgumentOutOfRangeException(nameof(doc))];

    // Keys are made once: a workload names docs by index millions of times.
    private static readonly DocumentKey[] Keys = Enumerable.Range(0, 100_000).Select(i => new DocumentKey(Name, $"wo-{i}")).ToArray();

    private static CollectionSchema Build()
    {
        var builder = CollectionSchema.Define(Name);
        foreach (var field in WorkloadSchema.Fields) builder.Lww(field, FieldValueKind.String);
        builder.OrSet(WorkloadSchema.TimeEntries, e => e
            .Field("hours", FieldValueKind.Decimal).Field("tech", FieldValueKind.String).Field("note", FieldValueKind.String));
        builder.OrSet(WorkloadSchema.PartsUsed, e => e.Field("sku", FieldValueKind.String).Field("qty", FieldValueKind.Integer));
        builder.OrSet(WorkloadSchema.NoteEntries, e => e.Field("text", FieldValueKind.String).Field("author", FieldValueKind.String));
        return builder.Build();
    }

    /// <summary>A generated record's values as element field values (hours → decimal, qty → integer).</summary>
    public static Dictionary<string, FieldValue> ElementValues(EntryRecord entry)
    {
        var values = new Dictionary<string, FieldValue>(entry.Values.Count, StringComparer.Ordinal);
        foreach (var (name, value) in entry.Values)
        {
            values[name] = value switch
            {
                string s => FieldValue.String(s),
                double d => FieldValue.Decimal((decimal)d),
                long l => FieldValue.Integer(l),
                _ => throw new ArgumentException($"record {entry.Id}: field '{name}' has an unexpected {value.GetType().Name}", nameof(entry)),
            };
        }
        return values;
    }

    /// <summary>W4's read: every scalar and every field of every record once; returns how many values were read.</summary>
    public static long ReadEverything(IEnumerable<DocumentView> views)
    {
        long values = 0;
        foreach (var view in views)
        {
            foreach (var field in WorkloadSchema.Fields)
            {
                if (view[field] is { } value && value.AsString().Length > 0) values++;
            }
            foreach (var collection in WorkloadSchema.Collections)
            {
                foreach (var element in view.Elements(collection))
                {
                    foreach (var value in element.Fields.Values)
                    {
                        if (!value.IsNull) values++;
                    }
                }
            }
        }
        return values;
    }

    /// <summary>What the store shows for a doc, as a <see cref="DocState"/> (read back outside every timer).</summary>
    public static DocState StateOf(DocumentView view)
    {
        var state = new DocState();
        foreach (var (name, value) in view.Fields) state.Fields[name] = Plain(value, view.Key, name);
        foreach (var collection in WorkloadSchema.Collections)
        {
            foreach (var element in view.Elements(collection))
            {
                state.Collections[collection][element.Id] = element.Fields.ToDictionary(
                    f => f.Key, f => Plain(f.Value, view.Key, $"{collection}[{element.Id}].{f.Key}"), StringComparer.Ordinal);
            }
        }
        return state;
    }

    private static object Plain(FieldValue value, DocumentKey doc, string field) => value.Kind switch
    {
        FieldValueKind.String => value.AsString(),
        FieldValueKind.Integer => value.AsInteger(),
        FieldValueKind.Decimal => (double)value.AsDecimal(),
        _ => throw new InvalidOperationException($"{doc} field {field}: the workloads never write a {value.Kind}"),
    };
}
