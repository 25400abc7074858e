namespace Crdt.Core;

/// <summary>
/// The bounds on one field's values: for strings the longest text (in UTF-16 characters), for
/// bytes the largest payload, for numbers the smallest and largest value. Every field has
/// limits (the defaults of <see cref="ValueRules"/> unless the schema declares its own), so no
/// value a device sends can be unbounded, and a total over a set's elements cannot overflow.
/// </summary>
public sealed record ValueLimits
{
    /// <summary>Longest string (characters) or bytes value (bytes).</summary>
    public int MaxLength { get; init; }

    /// <summary>Smallest number accepted.</summary>
    public decimal Min { get; init; }

    /// <summary>Largest number accepted.</summary>
    public decimal Max { get; init; }

    /// <summary>The defaults for a value type.</summary>
    public static ValueLimits Default(FieldValueKind kind) => kind switch
    {
        FieldValueKind.Bytes => DefaultBytes,
        _ => DefaultText,
    };

    private static readonly ValueLimits DefaultText = new()
    {
        MaxLength = ValueRules.DefaultMaxStringLength,
        Min = -ValueRules.DefaultMaxMagnitude,
        Max = ValueRules.DefaultMaxMagnitude,
    };

    private static readonly ValueLimits DefaultBytes = DefaultText with { MaxLength = ValueRules.DefaultMaxBytes };

    /// <summary>Null when <paramref name="value"/> is within these limits, else what is wrong.</summary>
    public string? Check(FieldValue value)
    {
        switch (value.Kind)
        {
            case FieldValueKind.String:
            {
                var text = value.AsString();
                if (text.Length > MaxLength)
                    {
                        return $"the text is {text.Length} characters long; at most {MaxLength}";
                    }

                    return ValueRules.CheckText(text);
            }
            case FieldValueKind.Bytes:
            {
                var length = value.AsBytes().Length;
                return length > MaxLength ? $"the value is {length} bytes; at most {MaxLength}" : null;
            }
            case FieldValueKind.Integer or FieldValueKind.Decimal:
            {
                var number = value.AsDecimal();
                return number < Min || number > Max ? $"{number} is outside {Min} to {Max}" : null;
            }
            case FieldValueKind.Timestamp:
            {
                var ms = value.AsTimestampMs();
                return ms is < ValueRules.MinTimestampMs or > ValueRules.MaxTimestampMs
                    ? $"timestamp {ms} ms is outside the years 1 to 9999" : null;
            }
            case FieldValueKind.Reference:
            {
                var key = value.AsReference();
                return ValueRules.CheckText(key.Collection) ?? ValueRules.CheckText(key.Id);
            }
            default:
                return null;
        }
    }
}
