using System.Globalization;
using Crdt.Core.Codec;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core;

/// <summary>
/// One typed, immutable register value: null, string, integer, decimal, bool, timestamp,
/// bytes or a reference to another document. Compared by value.
/// </summary>
public sealed class FieldValue : IEquatable<FieldValue>
{
    private static readonly FieldValue s_true = new(FieldValueKind.Bool, 1, 0m, null);
    private static readonly FieldValue s_false = new(FieldValueKind.Bool, 0, 0m, null);

    private readonly long _long;
    private readonly decimal _decimal;
    private readonly object? _ref;

    private FieldValue(FieldValueKind kind, long number, decimal dec, object? reference)
    {
        Kind = kind;
        _long = number;
        _decimal = dec;
        _ref = reference;
    }

    /// <summary>The null value.</summary>
    public static FieldValue Null { get; } = new(FieldValueKind.Null, 0, 0m, null);

    /// <summary>The value's type.</summary>
    public FieldValueKind Kind { get; }

    /// <summary>True for the null value.</summary>
    public bool IsNull => Kind == FieldValueKind.Null;

    /// <summary>A text value.</summary>
    public static FieldValue String(string value) => new(FieldValueKind.String, 0, 0m, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>An integer value.</summary>
    public static FieldValue Integer(long value) => new(FieldValueKind.Integer, value, 0m, null);

    /// <summary>An exact decimal value.</summary>
    public static FieldValue Decimal(decimal value) => new(FieldValueKind.Decimal, 0, value, null);

    /// <summary>A boolean value.</summary>
    public static FieldValue Bool(bool value) => value ? s_true : s_false;

    /// <summary>A point in time (stored as UTC milliseconds since the Unix epoch).</summary>
    public static FieldValue Timestamp(DateTimeOffset value) => TimestampMs(value.ToUnixTimeMilliseconds());

    /// <summary>A point in time given as UTC milliseconds since the Unix epoch.</summary>
    public static FieldValue TimestampMs(long unixMs) => new(FieldValueKind.Timestamp, unixMs, 0m, null);

    /// <summary>A bytes value (copied).</summary>
    public static FieldValue Bytes(ReadOnlySpan<byte> value) => new(FieldValueKind.Bytes, 0, 0m, value.ToArray());

    /// <summary>A bytes value that takes ownership of <paramref name="value"/> (the caller must not change it).</summary>
    internal static FieldValue BytesNoCopy(byte[] value) => new(FieldValueKind.Bytes, 0, 0m, value);

    /// <summary>A reference to another document.</summary>
    public static FieldValue Reference(DocumentKey value) => new(FieldValueKind.Reference, 0, 0m, value);

    /// <summary>The text; throws when this is not a string.</summary>
    public string AsString() => Kind == FieldValueKind.String ? (string)_ref! : throw WrongKind(FieldValueKind.String);

    /// <summary>The integer; throws when this is not an integer.</summary>
    public long AsInteger() => Kind == FieldValueKind.Integer ? _long : throw WrongKind(FieldValueKind.Integer);

    /// <summary>The decimal (integers convert); throws for other kinds.</summary>
    public decimal AsDecimal() => Kind switch
    {
        FieldValueKind.Decimal => _decimal,
        FieldValueKind.Integer => _long,
        _ => throw WrongKind(FieldValueKind.Decimal),
    };

    /// <summary>The boolean; throws when this is not a bool.</summary>
    public bool AsBool() => Kind == FieldValueKind.Bool ? _long != 0 : throw WrongKind(FieldValueKind.Bool);

    /// <summary>The timestamp; throws when this is not a timestamp.</summary>
    public DateTimeOffset AsTimestamp() => DateTimeOffset.FromUnixTimeMilliseconds(AsTimestampMs());

    /// <summary>The timestamp in UTC milliseconds since the Unix epoch; throws when this is not a timestamp.</summary>
    public long AsTimestampMs() => Kind == FieldValueKind.Timestamp ? _long : throw WrongKind(FieldValueKind.Timestamp);

    /// <summary>The bytes; throws when this is not bytes.</summary>
    public ReadOnlyMemory<byte> AsBytes() => Kind == FieldValueKind.Bytes ? (byte[])_ref! : throw WrongKind(FieldValueKind.Bytes);

    /// <summary>The referenced document; throws when this is not a reference.</summary>
    public DocumentKey AsReference() => Kind == FieldValueKind.Reference ? (DocumentKey)_ref! : throw WrongKind(FieldValueKind.Reference);

    /// <summary>True when the value is numeric (integer or decimal).</summary>
    public bool IsNumber => Kind is FieldValueKind.Integer or FieldValueKind.Decimal;

    /// <summary>
    /// The value as a plain .NET object for a read model: null, string, long, decimal, bool,
    /// DateTimeOffset, byte[] (a copy) or DocumentKey.
    /// </summary>
    public object? ToPlain() => Kind switch
    {
        FieldValueKind.Null => null,
        FieldValueKind.String => _ref,
        FieldValueKind.Integer => _long,
        FieldValueKind.Decimal => _decimal,
        FieldValueKind.Bool => _long != 0,
        FieldValueKind.Timestamp => AsTimestamp(),
        FieldValueKind.Bytes => ((byte[])_ref!).Clone(),
        FieldValueKind.Reference => _ref,
        _ => null,
    };

    /// <inheritdoc />
    public bool Equals(FieldValue? other)
    {
        if (other is null || other.Kind != Kind)
        {
            return false;
        }
        return Kind switch
        {
            FieldValueKind.Null => true,
            FieldValueKind.String => string.Equals((string)_ref!, (string)other._ref!, StringComparison.Ordinal),
            FieldValueKind.Decimal => _decimal == other._decimal,
            FieldValueKind.Bytes => ((byte[])_ref!).AsSpan().SequenceEqual((byte[])other._ref!),
            FieldValueKind.Reference => ((DocumentKey)_ref!).Equals((DocumentKey)other._ref!),
            _ => _long == other._long,
        };
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as FieldValue);

    /// <inheritdoc />
    public override int GetHashCode() => Kind switch
    {
        FieldValueKind.String => HashCode.Combine(Kind, string.GetHashCode((string)_ref!, StringComparison.Ordinal)),
        FieldValueKind.Decimal => HashCode.Combine(Kind, _decimal),
        FieldValueKind.Bytes => HashCode.Combine(Kind, ((byte[])_ref!).Length),
        FieldValueKind.Reference => HashCode.Combine(Kind, _ref),
        _ => HashCode.Combine(Kind, _long),
    };

    /// <inheritdoc />
    /// <summary>The value as its <c>crdtfieldstore.v1.FieldValue</c> message (for services that build wire views).</summary>
    internal Wire.FieldValue ToMessage() => WireConvert.ToMessage(this);

    public override string ToString() => Kind switch
    {
        FieldValueKind.Null => "null",
        FieldValueKind.String => (string)_ref!,
        FieldValueKind.Integer => _long.ToString(CultureInfo.InvariantCulture),
        FieldValueKind.Decimal => _decimal.ToString(CultureInfo.InvariantCulture),
        FieldValueKind.Bool => _long != 0 ? "true" : "false",
        FieldValueKind.Timestamp => AsTimestamp().ToString("O", CultureInfo.InvariantCulture),
        FieldValueKind.Bytes => Convert.ToBase64String((byte[])_ref!),
        FieldValueKind.Reference => _ref!.ToString()!,
        _ => "?",
    };

    /// <summary>Shorthand for <see cref="String(string)"/>.</summary>
    public static implicit operator FieldValue(string value) => String(value);

    /// <summary>Shorthand for <see cref="Integer(long)"/>.</summary>
    public static implicit operator FieldValue(long value) => Integer(value);

    /// <summary>Shorthand for <see cref="Decimal(decimal)"/>.</summary>
    public static implicit operator FieldValue(decimal value) => Decimal(value);

    /// <summary>Shorthand for <see cref="Bool(bool)"/>.</summary>
    public static implicit operator FieldValue(bool value) => Bool(value);

    /// <summary>Shorthand for <see cref="Reference(DocumentKey)"/>.</summary>
    public static implicit operator FieldValue(DocumentKey value) => Reference(value);

    private InvalidOperationException WrongKind(FieldValueKind wanted) =>
        new($"the value is {Kind}, not {wanted}");
}
