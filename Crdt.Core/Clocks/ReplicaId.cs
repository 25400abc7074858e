namespace Crdt.Core;

/// <summary>
/// The identity of one device install or one relay node. 1 to 64 characters from
/// <c>[A-Za-z0-9._:-]</c>, so it is safe in file names, logs and sort keys.
/// Ordered ordinally: that order breaks Hlc ties.
/// </summary>
public readonly record struct ReplicaId : IComparable<ReplicaId>
{
    /// <summary>The longest replica id accepted.</summary>
    public const int MaxLength = 64;

    private readonly string? _value;

    /// <summary>Creates a replica id; throws <see cref="ArgumentException"/> when the text is not a valid id.</summary>
    public ReplicaId(string value)
    {
        if (!IsValid(value, out var reason))
        {
            throw new ArgumentException($"invalid replica id '{value}': {reason}", nameof(value));
        }
        _value = value;
    }

    /// <summary>The id's text ("" for <c>default</c>).</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>True for <c>default(ReplicaId)</c>, which names no replica.</summary>
    public bool IsEmpty => _value is null;

    /// <summary>Parses without throwing.</summary>
    public static bool TryParse(string? value, out ReplicaId replica)
    {
        if (value is not null && IsValid(value, out _))
        {
            replica = new ReplicaId(value);
            return true;
        }
        replica = default;
        return false;
    }

    /// <summary>Checks the text and says why it is not a valid id.</summary>
    public static bool IsValid(string? value, out string reason)
    {
        if (string.IsNullOrEmpty(value))
        {
            reason = "it is empty";
            return false;
        }
        if (value.Length > MaxLength)
        {
            reason = $"it is longer than {MaxLength} characters";
            return false;
        }
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
            {
                reason = $"character '{c}' is not allowed (use letters, digits, '.', '_', ':' or '-')";
                return false;
            }
        }
        reason = string.Empty;
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(ReplicaId other) => string.CompareOrdinal(Value, other.Value);

    /// <summary>Ordinal equality on the text.</summary>
    // string.Equals(a, b) is ordinal and inlines its reference check (ids are usually one shared instance); the overload
    // taking a StringComparison is a call that switches on it, several times per edit.
    public bool Equals(ReplicaId other) => string.Equals(_value, other._value);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : string.GetHashCode(_value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Value;

    /// <summary>Ordinal less-than.</summary>
    public static bool operator <(ReplicaId left, ReplicaId right) => left.CompareTo(right) < 0;

    /// <summary>Ordinal greater-than.</summary>
    public static bool operator >(ReplicaId left, ReplicaId right) => left.CompareTo(right) > 0;

    /// <summary>Ordinal less-or-equal.</summary>
    public static bool operator <=(ReplicaId left, ReplicaId right) => left.CompareTo(right) <= 0;

    /// <summary>Ordinal greater-or-equal.</summary>
    public static bool operator >=(ReplicaId left, ReplicaId right) => left.CompareTo(right) >= 0;
}
