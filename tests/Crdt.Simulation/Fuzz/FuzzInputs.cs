using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Simulation.Fuzz;

/// <summary>
/// Makes fuzz inputs from one <see cref="Random"/>: valid ops and mutations of the built-in schema
/// (the base), then one thing broken (a field missing, emptied, made huge, out of range, of the
/// wrong type), boundary numbers, huge and empty values, random bytes, and byte flips of a valid
/// encoding. Each input carries a short label saying what was broken, for the report.
/// </summary>
internal sealed class FuzzInputs(Random random)
{
    private static readonly string[] Collections = ["WorkOrder", "Customer", "Asset", "Part", "", "Nope", "WorkOrder/x", new string('C', 300)];
    private static readonly string[] Ids = ["WO-1", "WO-2", "C1", "P1", "A1", "new-1", "", " ", "a/b", "\u0000", "é", new string('i', 5000)];
    private static readonly string[] Fields = ["status", "title", "description", "assignee", "customer", "priority", "name", "unitPrice", "phone", "sku", "", "nope", "timeEntries"];
    private static readonly string[] Sets = ["timeEntries", "partsUsed", "notes", "checklist", "attachments", "signatures", "", "status", "nope"];
    private static readonly string[] ElementFields = ["hours", "tech", "note", "qty", "part", "text", "done", "", "nope"];
    private static readonly string[] Statuses = ["open", "scheduled", "in_progress", "completed", "cancelled", "", "COMPLETED", "bogus"];
    private static readonly long[] Longs = [0, 1, -1, long.MaxValue, long.MinValue, int.MaxValue, 253402300799999, 253402300800000, -62135596800001];
    private static readonly string[] Decimals = ["0", "1.5", "-1", "79228162514264337593543950335", "-79228162514264337593543950335", "1e400", "abc", "", "0.0000000000000000000000000001", "NaN", "79228162514264337593543950336"];

    private long sequence;

    public string Label { get; set; } = "";

    /// <summary>A new sequence number for a fuzz replica, so most valid ops are new to the relay.</summary>
    public ulong NextSeq() => (ulong)++sequence;

    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public bool Chance(int percent) => random.Next(100) < percent;

    /// <summary>A valid-looking op of <paramref name="replica"/> stamped near <paramref name="nowMs"/>.</summary>
    public Wire.Op ValidOp(string replica, string author, long nowMs, Wire.DocumentKey document)
    {
        var op = new Wire.Op
        {
            Dot = new Wire.Dot { Replica = replica, Seq = NextSeq() },
            Hlc = new Wire.Hlc { WallMs = nowMs - random.Next(0, 60_000), Counter = (uint)random.Next(3), Replica = replica },
            Author = author,
            Document = document,
            Context = new Wire.VersionVector(),
        };
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++) op.Mutations.Add(ValidMutation(document.Collection));
        return op;
    }

    public Wire.Mutation ValidMutation(string collection)
    {
        var id = $"e{random.Next(50)}";
        return (collection, random.Next(6)) switch
        {
            ("WorkOrder", 0) => Set("status", Str(Pick(Statuses[..5]))),
            ("WorkOrder", 1) => Set("title", Str("title " + random.Next(100))),
            ("WorkOrder", 2) => Add("timeEntries", id, ("hours", Dec(Pick(Decimals[..3]))), ("tech", Str("ana"))),
            ("WorkOrder", 3) => Add("notes", id, ("text", Str("note"))),
            ("WorkOrder", 4) => new Wire.Mutation { SetElementField = new Wire.SetElementField { Field = "checklist", ElementId = "c1", ElementField = "done", Value = new Wire.FieldValue { BoolValue = true } } },
            ("WorkOrder", _) => new Wire.Mutation { RemoveElement = new Wire.RemoveElement { Field = "notes", ElementId = id } },
            ("Customer", _) => Set(random.Next(2) == 0 ? "name" : "phone", Str("x" + random.Next(100))),
            ("Part", _) => random.Next(2) == 0 ? Set("unitPrice", Dec("12.5")) : Set("name", Str("Filter")),
            _ => Set("name", Str("Asset")),
        };
    }

    /// <summary>Breaks one thing of the op (or of the batch around it); returns the label of what.</summary>
    public void Break(Wire.Op op)
    {
        var mutation = op.Mutations.Count > 0 ? op.Mutations[random.Next(op.Mutations.Count)] : null;
        switch (random.Next(24))
        {
            case 0: op.Dot = null; Label = "dot missing"; break;
            case 1: op.Dot.Replica = Pick(new[] { "", " ", new string('r', 2000), "\u0000" }); Label = "dot replica bad"; break;
            case 2: op.Dot.Seq = Pick(new ulong[] { 0, ulong.MaxValue, long.MaxValue, (ulong)long.MaxValue + 1 }); Label = $"dot seq {op.Dot.Seq}"; break;
            case 3: op.Hlc = null; Label = "hlc missing"; break;
            case 4: op.Hlc.WallMs = Pick(Longs); Label = $"hlc wall {op.Hlc.WallMs}"; break;
            case 5: op.Hlc.Counter = uint.MaxValue; Label = "hlc counter max"; break;
            case 6: op.Hlc.Replica = Pick(new[] { "", "someone-else" }); Label = "hlc replica differs"; break;
            case 7: op.Author = Pick(new[] { "", "dispatch", new string('a', 200_000), "\uD800" }); Label = $"author ({op.Author.Length} chars)"; break;
            case 8: op.Document = null; Label = "document missing"; break;
            case 9: op.Document.Collection = Pick(Collections); Label = $"collection '{Short(op.Document.Collection)}'"; break;
            case 10: op.Document.Id = Pick(Ids); Label = $"id '{Short(op.Document.Id)}'"; break;
            case 11:
                var entries = Pick(new[] { 1, 5, 5_000 });
                for (var i = 0; i < entries; i++) op.Context.Entries.Add(new Wire.VersionEntry { Replica = $"made-up-{i}", Seq = (ulong)random.NextInt64(0, long.MaxValue) });
                Label = $"context with {entries} made-up entries"; break;
            case 12: op.Context.Entries.Add(new Wire.VersionEntry { Replica = op.Dot?.Replica ?? "x", Seq = ulong.MaxValue }); Label = "context seq max"; break;
            case 13: op.Mutations.Clear(); Label = "no mutations"; break;
            case 14: op.Mutations.Add(new Wire.Mutation()); Label = "mutation kind unset"; break;
            case 15: op.Mutations.Add(Set(Pick(Fields), Value())); Label = "set field: any field, any value"; break;
            case 16: op.Mutations.Add(Add(Pick(Sets), Pick(new[] { "", "e1", new string('e', 3000) }), (Pick(ElementFields), Value()))); Label = "add element: any set, any value"; break;
            case 17: op.Mutations.Add(Set(Pick(Fields), Str(new string('x', Pick(new[] { 0, 70_000, 255_000 }))))); Label = "huge or empty string"; break;
            case 18: op.Mutations.Add(Add("timeEntries", $"big{random.Next(3)}", ("hours", Dec(Pick(Decimals))))); Label = "time entry hours boundary"; break;
            case 19: op.Mutations.Add(new Wire.Mutation { DeleteDocument = new Wire.DeleteDocument() }); Label = "delete document"; break;
            case 20: op.Mutations.Add(new Wire.Mutation { ResolveFlag = new Wire.ResolveFlag { FlagId = Pick(new[] { "", "f-nope", "x" }), Resolution = (Wire.Resolution)random.Next(-1, 7) } }); Label = "resolve flag"; break;
            case 21: for (var i = 0; i < 400; i++) op.Mutations.Add(Add("notes", $"n{i}", ("text", Str("n")))); Label = "400 mutations"; break;
            case 22: op.Mutations.Add(Set("assignee", Str(Pick(new[] { "ana", "ben", "" })))); Label = "assignee write"; break;
            default: if (mutation is not null) mutation.ClearKind(); Label = "a mutation emptied"; break;
        }
    }

    /// <summary>Flips, inserts or cuts bytes of a valid encoding.</summary>
    public byte[] Mangle(byte[] bytes)
    {
        var copy = bytes.ToList();
        var edits = random.Next(1, 6);
        for (var i = 0; i < edits && copy.Count > 0; i++)
        {
            var at = random.Next(copy.Count);
            switch (random.Next(3))
            {
                case 0: copy[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: copy.Insert(at, (byte)random.Next(256)); break;
                default: copy.RemoveRange(at, Math.Min(random.Next(1, 8), copy.Count - at)); break;
            }
        }
        return [.. copy];
    }

    public byte[] RandomBytes()
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        return bytes;
    }

    public Wire.FieldValue Value() => random.Next(10) switch
    {
        0 => new Wire.FieldValue { NullValue = true },
        1 => Str(Pick(Statuses)),
        2 => new Wire.FieldValue { IntegerValue = Pick(Longs) },
        3 => Dec(Pick(Decimals)),
        4 => new Wire.FieldValue { BoolValue = true },
        5 => new Wire.FieldValue { TimestampMs = Pick(Longs) },
        6 => new Wire.FieldValue { BytesValue = ByteString.CopyFrom(new byte[Pick(new[] { 0, 10, 300_000 })]) },
        7 => new Wire.FieldValue { Reference = new Wire.DocumentKey { Collection = Pick(Collections), Id = Pick(Ids) } },
        8 => new Wire.FieldValue(),
        _ => Str(Pick(Ids)),
    };

    public static Wire.Mutation Set(string field, Wire.FieldValue value) =>
        new() { SetField = new Wire.SetField { Field = field, Value = value } };

    public static Wire.Mutation Add(string set, string id, params (string Field, Wire.FieldValue Value)[] values)
    {
        var add = new Wire.AddElement { Field = set, ElementId = id };
        foreach (var (field, value) in values) add.Values.Add(new Wire.ElementFieldValue { Field = field, Value = value });
        return new Wire.Mutation { AddElement = add };
    }

    public static Wire.FieldValue Str(string value) => new() { StringValue = value };

    public static Wire.FieldValue Dec(string value) => new() { DecimalValue = value };

    private static string Short(string text) => text.Length > 20 ? text[..20] + $"…({text.Length})" : text;
}
