using System.Buffers;
using System.Globalization;
using Google.Protobuf;

namespace Crdt.Core.Codec;

/// <summary>
/// Writes an <see cref="Op"/> as the protobuf <c>crdtfieldstore.v1.Op</c> straight into one byte
/// array (sizes first, then bytes), without building the generated message objects: the same
/// bytes the generated code would write, except that an empty context is left out (which decodes
/// to the same op). Field numbers are those of ops.proto (pinned by the golden test).
/// </summary>
internal static class OpWriter
{
    private const WireFormat.WireType Varint = WireFormat.WireType.Varint;
    private const WireFormat.WireType Delimited = WireFormat.WireType.LengthDelimited;

    public static byte[] Write(Op op)
    {
        // Each mutation's oneof member body size, computed once for the op's size and reused when writing.
        var memberSizes = new int[op.Mutations.Count];
        var size = OpSize(op, memberSizes);
        var buffer = new byte[size];
        var output = new CodedOutputStream(buffer);
        var replica = op.Dot.Replica.Value;

        output.WriteTag(1, Delimited);
        output.WriteLength(DotSize(replica, op.Dot.Seq));
        WriteDot(output, replica, op.Dot.Seq);

        output.WriteTag(2, Delimited);
        output.WriteLength(HlcSize(op.Hlc));
        if (op.Hlc.WallMs != 0)
        {
            output.WriteTag(1, Varint);
            output.WriteInt64(op.Hlc.WallMs);
        }
        if (op.Hlc.Counter != 0)
        {
            output.WriteTag(2, Varint);
            output.WriteUInt32((uint)op.Hlc.Counter);
        }

        if (op.Author.Length > 0)
        {
            output.WriteTag(3, Delimited);
            output.WriteString(op.Author);
        }

        output.WriteTag(4, Delimited);
        output.WriteLength(KeySize(op.Document));
        WriteKey(output, op.Document);

        if (!op.Context.IsEmpty)
        {
            output.WriteTag(5, Delimited);
            output.WriteLength(VectorSize(op.Context));
            for (var i = 0; i < op.Context.Count; i++)
            {
                var entryReplica = op.Context.ReplicaAt(i).Value;
                var seq = op.Context.SeqAt(i);
                output.WriteTag(1, Delimited);
                output.WriteLength(DotSize(entryReplica, seq));
                WriteDot(output, entryReplica, seq);
            }
        }

        for (var i = 0; i < op.Mutations.Count; i++)
        {
            output.WriteTag(6, Delimited);
            output.WriteLength(Nested(memberSizes[i]));
            WriteMutation(output, op.Mutations[i], memberSizes[i]);
        }
        output.CheckNoSpaceLeft();
        return buffer;
    }

    private static int OpSize(Op op, int[] memberSizes)
    {
        var size = Nested(DotSize(op.Dot.Replica.Value, op.Dot.Seq)) + Nested(HlcSize(op.Hlc)) + Nested(KeySize(op.Document));
        if (op.Author.Length > 0)
        {
            size += 1 + CodedOutputStream.ComputeStringSize(op.Author);
        }
        if (!op.Context.IsEmpty)
        {
            size += Nested(VectorSize(op.Context));
        }
        for (var i = 0; i < op.Mutations.Count; i++)
        {
            memberSizes[i] = MemberSize(op.Mutations[i]);
            size += Nested(Nested(memberSizes[i]));
        }
        return size;
    }

    /// <summary>Tag (1 byte: every field number here is below 16), length prefix and body.</summary>
    private static int Nested(int bodySize) => 1 + CodedOutputStream.ComputeLengthSize(bodySize) + bodySize;

    private static int StringField(string text) => text.Length == 0 ? 0 : 1 + CodedOutputStream.ComputeStringSize(text);

    private static int DotSize(string replica, long seq) =>
        StringField(replica) + (seq == 0 ? 0 : 1 + CodedOutputStream.ComputeUInt64Size((ulong)seq));

    private static void WriteDot(CodedOutputStream output, string replica, long seq)
    {
        WriteString(output, 1, replica);
        if (seq != 0)
        {
            output.WriteTag(2, Varint);
            output.WriteUInt64((ulong)seq);
        }
    }

    private static int HlcSize(Hlc hlc) =>
        (hlc.WallMs == 0 ? 0 : 1 + CodedOutputStream.ComputeInt64Size(hlc.WallMs)) + (hlc.Counter == 0 ? 0 : 1 + CodedOutputStream.ComputeUInt32Size((uint)hlc.Counter));

    private static int KeySize(DocumentKey key) => StringField(key.Collection) + StringField(key.Id);

    private static void WriteKey(CodedOutputStream output, DocumentKey key)
    {
        WriteString(output, 1, key.Collection);
        WriteString(output, 2, key.Id);
    }

    private static int VectorSize(VersionVector vector)
    {
        var size = 0;
        for (var i = 0; i < vector.Count; i++)
        {
            size += Nested(DotSize(vector.ReplicaAt(i).Value, vector.SeqAt(i)));
        }
        return size;
    }

    private static void WriteString(CodedOutputStream output, int field, string text)
    {
        if (text.Length > 0)
        {
            output.WriteTag(field, Delimited);
            output.WriteString(text);
        }
    }

    private static string DecimalText(FieldValue value) => value.AsDecimal().ToString(CultureInfo.InvariantCulture);

    /// <summary>The size of <see cref="DecimalText"/> as a string field body (length prefix and
    /// ASCII bytes), formatted on the stack: sizes are computed several times per value, the text is
    /// allocated only when written.</summary>
    private static int DecimalTextSize(FieldValue value)
    {
        Span<char> text = stackalloc char[64];
        if (!value.AsDecimal().TryFormat(text, out var length, provider: CultureInfo.InvariantCulture))
        {
            return CodedOutputStream.ComputeStringSize(DecimalText(value));
        }
        return CodedOutputStream.ComputeLengthSize(length) + length;
    }

    /// <summary>FieldValue body: exactly one oneof member, written even when it holds a default (oneof presence).</summary>
    private static int ValueSize(FieldValue value) => value.Kind switch
    {
        FieldValueKind.String => 1 + CodedOutputStream.ComputeStringSize(value.AsString()),
        FieldValueKind.Integer => 1 + CodedOutputStream.ComputeSInt64Size(value.AsInteger()),
        FieldValueKind.Decimal => 1 + DecimalTextSize(value),
        FieldValueKind.Bool => 2,
        FieldValueKind.Timestamp => 1 + CodedOutputStream.ComputeInt64Size(value.AsTimestampMs()),
        FieldValueKind.Bytes => 1 + CodedOutputStream.ComputeLengthSize(value.AsBytes().Length) + value.AsBytes().Length,
        FieldValueKind.Reference => Nested(KeySize(value.AsReference())),
        _ => 2,
    };

    private static void WriteValue(CodedOutputStream output, FieldValue value)
    {
        switch (value.Kind)
        {
            case FieldValueKind.String:
                output.WriteTag(2, Delimited);
                output.WriteString(value.AsString());
                break;
            case FieldValueKind.Integer:
                output.WriteTag(3, Varint);
                output.WriteSInt64(value.AsInteger());
                break;
            case FieldValueKind.Decimal:
                output.WriteTag(4, Delimited);
                output.WriteString(DecimalText(value));
                break;
            case FieldValueKind.Bool:
                output.WriteTag(5, Varint);
                output.WriteBool(value.AsBool());
                break;
            case FieldValueKind.Timestamp:
                output.WriteTag(6, Varint);
                output.WriteInt64(value.AsTimestampMs());
                break;
            case FieldValueKind.Bytes:
                output.WriteTag(7, Delimited);
                output.WriteBytes(UnsafeByteOperations.UnsafeWrap(value.AsBytes()));
                break;
            case FieldValueKind.Reference:
                var key = value.AsReference();
                output.WriteTag(8, Delimited);
                output.WriteLength(KeySize(key));
                WriteKey(output, key);
                break;
            default:
                output.WriteTag(1, Varint);
                output.WriteBool(true);
                break;
        }
    }

    private static int ValueField(int field, FieldValue value) => Nested(ValueSize(value)) + (field > 15 ? 1 : 0);

    private static int MemberSize(Mutation mutation)
    {
        switch (mutation)
        {
            case SetField set:
                return StringField(set.Field) + ValueField(2, set.Value);
            case AddElement add:
            {
                var size = StringField(add.Field) + StringField(add.ElementId);
                foreach (var (name, value) in add.Values)
                {
                    size += Nested(StringField(name) + ValueField(2, value));
                }
                return size;
            }
            case SetElementField setElement:
                return StringField(setElement.Field) + StringField(setElement.ElementId) + StringField(setElement.ElementField) + ValueField(4, setElement.Value);
            case RemoveElement remove:
                return StringField(remove.Field) + StringField(remove.ElementId);
            case DeleteDocument:
                return 0;
            case ResolveFlag resolve:
                return StringField(resolve.FlagId) + 1 + CodedOutputStream.ComputeEnumSize((int)resolve.Resolution);
            default:
                throw new ArgumentException($"unknown mutation type {mutation.GetType().Name}", nameof(mutation));
        }
    }

    /// <summary>Mutation body: the oneof member's tag, length and body (<paramref name="memberSize"/> bytes).</summary>
    private static void WriteMutation(CodedOutputStream output, Mutation mutation, int memberSize)
    {
        var member = mutation switch
        {
            SetField => 1,
            AddElement => 2,
            SetElementField => 3,
            RemoveElement => 4,
            DeleteDocument => 5,
            _ => 6,
        };
        output.WriteTag(member, Delimited);
        output.WriteLength(memberSize);
        switch (mutation)
        {
            case SetField set:
                WriteString(output, 1, set.Field);
                WriteValueField(output, 2, set.Value);
                break;
            case AddElement add:
                WriteString(output, 1, add.Field);
                WriteString(output, 2, add.ElementId);
                WriteElementValues(output, add.Values);
                break;
            case SetElementField setElement:
                WriteString(output, 1, setElement.Field);
                WriteString(output, 2, setElement.ElementId);
                WriteString(output, 3, setElement.ElementField);
                WriteValueField(output, 4, setElement.Value);
                break;
            case RemoveElement remove:
                WriteString(output, 1, remove.Field);
                WriteString(output, 2, remove.ElementId);
                break;
            case ResolveFlag resolve:
                WriteString(output, 1, resolve.FlagId);
                output.WriteTag(2, Varint);
                output.WriteEnum((int)resolve.Resolution);
                break;
        }
    }

    /// <summary>An element's values in ordinal order of their names (the canonical form), sorted in a
    /// pooled array: the relay encodes every pushed op, and a LINQ OrderBy cost an iterator, a key
    /// buffer and a map per element there.</summary>
    private static void WriteElementValues(CodedOutputStream output, IReadOnlyDictionary<string, FieldValue> values)
    {
        var sorted = ArrayPool<KeyValuePair<string, FieldValue>>.Shared.Rent(values.Count);
        try
        {
            var count = 0;
            foreach (var entry in values)
            {
                sorted[count++] = entry;
            }
            Array.Sort(sorted, 0, count, ByName.Instance);
            for (var i = 0; i < count; i++)
            {
                var (name, value) = sorted[i];
                output.WriteTag(3, Delimited);
                output.WriteLength(StringField(name) + ValueField(2, value));
                WriteString(output, 1, name);
                WriteValueField(output, 2, value);
            }
        }
        finally
        {
            ArrayPool<KeyValuePair<string, FieldValue>>.Shared.Return(sorted, clearArray: true);
        }
    }

    private sealed class ByName : IComparer<KeyValuePair<string, FieldValue>>
    {
        public static readonly ByName Instance = new();

        public int Compare(KeyValuePair<string, FieldValue> x, KeyValuePair<string, FieldValue> y) => string.CompareOrdinal(x.Key, y.Key);
    }

    private static void WriteValueField(CodedOutputStream output, int field, FieldValue value)
    {
        output.WriteTag(field, Delimited);
        output.WriteLength(ValueSize(value));
        WriteValue(output, value);
    }
}
