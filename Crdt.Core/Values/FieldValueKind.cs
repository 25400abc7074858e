namespace Crdt.Core;

/// <summary>
/// The type of a register value, and the declared value type of an LWW field.
/// Numbers match the FieldValue oneof of ops.proto and are persisted: append-only.
/// </summary>
public enum FieldValueKind
{
    /// <summary>No value.</summary>
    Null = 1,
    /// <summary>UTF-8 text.</summary>
    String = 2,
    /// <summary>64-bit signed integer.</summary>
    Integer = 3,
    /// <summary>Exact decimal number.</summary>
    Decimal = 4,
    /// <summary>true / false.</summary>
    Bool = 5,
    /// <summary>A UTC point in time, millisecond precision.</summary>
    Timestamp = 6,
    /// <summary>Opaque bytes.</summary>
    Bytes = 7,
    /// <summary>A reference to another document.</summary>
    Reference = 8,
}
