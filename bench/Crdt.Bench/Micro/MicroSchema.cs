using Crdt.Core;

namespace Crdt.Bench.Micro;

/// <summary>The collection the micro benchmarks edit: 10 string LWW fields (no review fields, no rules) and one OR-set.</summary>
internal static class MicroSchema
{
    public const string Collection = "MicroDoc";
    public const string Entries = "entries";
    public static readonly string[] Fields = ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"];

    public static SchemaRegistry Registry()
    {
        var builder = CollectionSchema.Define(Collection);
        foreach (var field in Fields)
        {
            builder.Lww(field, FieldValueKind.String);
        }
        builder.OrSet(Entries, e => e.Field("hours", FieldValueKind.Decimal).Field("tech", FieldValueKind.String));
        return SchemaRegistry.CreateDefault().Register(builder.Build());
    }

    public static DocumentKey[] Keys(int count) => Enumerable.Range(0, count).Select(i => new DocumentKey(Collection, "doc-" + i)).ToArray();

    /// <summary>Creates <paramref name="keys"/> with every field set, through <paramref name="editor"/>.</summary>
    public static List<Op> CreateAll(LocalEditor editor, DocumentKey[] keys, ref long wall)
    {
        var ops = new List<Op>(keys.Length);
        foreach (var key in keys)
        {
            ops.Add(editor.Create(key, "bench", wall++, m =>
            {
                foreach (var field in Fields)
                {
                    m.Set(field, FieldValue.String("initial"));
                }
            }));
        }
        return ops;
    }
}
