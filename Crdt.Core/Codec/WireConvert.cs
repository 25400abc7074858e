using System.Globalization;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>Conversions between Crdt.Core types and the generated protobuf messages; the FromMessage side validates.</summary>
internal static class WireConvert
{
    private const NumberStyles DecimalStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    public static Wire.Dot ToMessage(Dot dot) => new() { Replica = dot.Replica.Value, Seq = (ulong)dot.Seq };

    public static Wire.DocumentKey ToMessage(DocumentKey key) => new() { Collection = key.Collection, Id = key.Id };

    public static Wire.VersionVector ToMessage(VersionVector vector)
    {
        var message = new Wire.VersionVector();
        for (var i = 0; i < vector.Count; i++)
        {
            message.Entries.Add(new Wire.VersionEntry { Replica = vector.ReplicaAt(i).Value, Seq = (ulong)vector.SeqAt(i) });
        }
        return message;
    }

    public static Wire.FieldValue ToMessage(FieldValue value) => value.Kind switch
    {
        FieldValueKind.String => new Wire.FieldValue { StringValue = value.AsString() },
        FieldValueKind.Integer => new Wire.FieldValue { IntegerValue = value.AsInteger() },
        FieldValueKind.Decimal => new Wire.FieldValue { DecimalValue = value.AsDecimal().ToString(CultureInfo.InvariantCulture) },
        FieldValueKind.Bool => new Wire.FieldValue { BoolValue = value.AsBool() },
        FieldValueKind.Timestamp => new Wire.FieldValue { TimestampMs = value.AsTimestampMs() },
        FieldValueKind.Bytes => new Wire.FieldValue { BytesValue = ByteString.CopyFrom(value.AsBytes().Span) },
        FieldValueKind.Reference => new Wire.FieldValue { Reference = ToMessage(value.AsReference()) },
        _ => new Wire.FieldValue { NullValue = true },
    };

    public static Wire.Mutation ToMessage(Mutation mutation)
    {
        switch (mutation)
        {
            case SetField set:
                return new Wire.Mutation { SetField = new Wire.SetField { Field = set.Field, Value = ToMessage(set.Value) } };
            case AddElement add:
                var message = new Wire.AddElement { Field = add.Field, ElementId = add.ElementId };
                foreach (var (name, value) in add.Values.OrderBy(v => v.Key, StringComparer.Ordinal))
                {
                    message.Values.Add(new Wire.ElementFieldValue { Field = name, Value = ToMessage(value) });
                }
                return new Wire.Mutation { AddElement = message };
            case SetElementField setElement:
                return new Wire.Mutation
                {
                    SetElementField = new Wire.SetElementField
                    {
                        Field = setElement.Field,
                        ElementId = setElement.ElementId,
                        ElementField = setElement.ElementField,
                        Value = ToMessage(setElement.Value),
                    },
                };
            case RemoveElement remove:
                return new Wire.Mutation { RemoveElement = new Wire.RemoveElement { Field = remove.Field, ElementId = remove.ElementId } };
            case DeleteDocument:
                return new Wire.Mutation { DeleteDocument = new Wire.DeleteDocument() };
            case ResolveFlag resolve:
                return new Wire.Mutation { ResolveFlag = new Wire.ResolveFlag { FlagId = resolve.FlagId, Resolution = (Wire.Resolution)(int)resolve.Resolution } };
            default:
                throw new ArgumentException($"unknown mutation type {mutation.GetType().Name}", nameof(mutation));
        }
    }

    public static ReplicaId ReplicaFrom(string text, Where where) =>
        ReplicaId.IsValid(text, out var reason) ? new ReplicaId(text) : throw new OpDecodeException($"{where}: invalid replica id '{Shorten(text)}' ({reason})");

    public static Dot FromMessage(Wire.Dot? dot, Where where)
    {
        if (dot is null)
        {
            throw new OpDecodeException($"{where}: the dot is missing");
        }
        var replica = ReplicaFrom(dot.Replica, where);
        if (dot.Seq == 0 || dot.Seq > long.MaxValue)
        {
            throw new OpDecodeException($"{where}: sequence {dot.Seq} is out of range (1..{long.MaxValue})");
        }
        return new Dot(replica, (long)dot.Seq);
    }

    public static DocumentKey FromMessage(Wire.DocumentKey? key, Where where)
    {
        if (key is null)
        {
            throw new OpDecodeException($"{where}: the document key is missing");
        }
        return DocumentKey.IsValid(key.Collection, key.Id, out var reason)
            ? new DocumentKey(key.Collection, key.Id)
            : throw new OpDecodeException($"{where}: invalid document key '{Shorten(key.Collection)}/{Shorten(key.Id)}' ({reason})");
    }

    public static VersionVector FromMessage(Wire.VersionVector? vector, Where where)
    {
        if (vector is null || vector.Entries.Count == 0)
        {
            return VersionVector.Empty;
        }
        var result = new VersionVector();
        foreach (var entry in vector.Entries)
        {
            var replica = ReplicaFrom(entry.Replica, where);
            if (entry.Seq == 0 || entry.Seq > long.MaxValue)
            {
                throw new OpDecodeException($"{where}: sequence {entry.Seq} of replica '{replica}' is out of range");
            }
            if (result.Get(replica) != 0)
            {
                throw new OpDecodeException($"{where}: replica '{replica}' appears twice");
            }
            result.Observe(replica, (long)entry.Seq);
        }
        return result.Freeze();
    }

    public static FieldValue FromMessage(Wire.FieldValue? value, Where where)
    {
        if (value is null)
        {
            return FieldValue.Null;
        }
        switch (value.KindCase)
        {
            case Wire.FieldValue.KindOneofCase.None:
            case Wire.FieldValue.KindOneofCase.NullValue:
                return FieldValue.Null;
            case Wire.FieldValue.KindOneofCase.StringValue:
                return FieldValue.String(value.StringValue);
            case Wire.FieldValue.KindOneofCase.IntegerValue:
                return FieldValue.Integer(value.IntegerValue);
            case Wire.FieldValue.KindOneofCase.DecimalValue:
                return DecimalFrom(value.DecimalValue, where);
            case Wire.FieldValue.KindOneofCase.BoolValue:
                return FieldValue.Bool(value.BoolValue);
            case Wire.FieldValue.KindOneofCase.TimestampMs:
                return value.TimestampMs is >= -62135596800000 and <= 253402300799999
                    ? FieldValue.TimestampMs(value.TimestampMs)
                    : throw new OpDecodeException($"{where}: timestamp {value.TimestampMs} ms is outside years 1-9999");
            case Wire.FieldValue.KindOneofCase.BytesValue:
                return FieldValue.BytesNoCopy(value.BytesValue.ToByteArray());
            case Wire.FieldValue.KindOneofCase.Reference:
                return FieldValue.Reference(FromMessage(value.Reference, where + " reference"));
            default:
                throw new OpDecodeException($"{where}: unknown value kind {value.KindCase}");
        }
    }

    /// <summary>A decimal value from its invariant-culture text (FieldValue.decimal_value).</summary>
    public static FieldValue DecimalFrom(string text, Where where) =>
        decimal.TryParse(text, DecimalStyle, CultureInfo.InvariantCulture, out var d)
            ? FieldValue.Decimal(d)
            : throw new OpDecodeException($"{where}: '{Shorten(text)}' is not a decimal number");

    public static Mutation FromMessage(Wire.Mutation message, Where where)
    {
        switch (message.KindCase)
        {
            case Wire.Mutation.KindOneofCase.SetField:
                return new SetField(Name(message.SetField.Field, where, "field"), FromMessage(message.SetField.Value, where));
            case Wire.Mutation.KindOneofCase.AddElement:
            {
                var add = message.AddElement;
                var field = Name(add.Field, where, "field");
                var values = new Dictionary<string, FieldValue>(add.Values.Count, StringComparer.Ordinal);
                foreach (var entry in add.Values)
                {
                    var name = Name(entry.Field, where, "element field");
                    if (!values.TryAdd(name, FromMessage(entry.Value, where)))
                    {
                        throw new OpDecodeException($"{where}: element field '{Shorten(name)}' is given twice");
                    }
                }
                return new AddElement(field, Name(add.ElementId, where, "element id"), values);
            }
            case Wire.Mutation.KindOneofCase.SetElementField:
            {
                var set = message.SetElementField;
                return new SetElementField(
                    Name(set.Field, where, "field"),
                    Name(set.ElementId, where, "element id"),
                    Name(set.ElementField, where, "element field"),
                    FromMessage(set.Value, where));
            }
            case Wire.Mutation.KindOneofCase.RemoveElement:
                return new RemoveElement(Name(message.RemoveElement.Field, where, "field"), Name(message.RemoveElement.ElementId, where, "element id"));
            case Wire.Mutation.KindOneofCase.DeleteDocument:
                return DeleteDocument.Instance;
            case Wire.Mutation.KindOneofCase.ResolveFlag:
            {
                var resolution = (int)message.ResolveFlag.Resolution;
                if (resolution is < 1 or > 4)
                {
                    throw new OpDecodeException($"{where}: resolution {resolution} is not one of KeepMine, KeepTheirs, Accept, Discard");
                }
                return new ResolveFlag(Name(message.ResolveFlag.FlagId, where, "flag id"), (Resolution)resolution);
            }
            default:
                throw new OpDecodeException($"{where}: the mutation is empty or of an unknown kind");
        }
    }

    private static string Name(string text, Where where, string what)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw new OpDecodeException($"{where}: the {what} is empty");
        }
        if (text.Length > DocumentKey.MaxLength)
        {
            throw new OpDecodeException($"{where}: the {what} '{Shorten(text)}' is longer than {DocumentKey.MaxLength} characters");
        }
        return text;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
