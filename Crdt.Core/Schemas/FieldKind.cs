namespace Crdt.Core;

/// <summary>The CRDT kind of a top-level field. Persisted in schemas: append-only.</summary>
public enum FieldKind
{
    /// <summary>A last-writer-wins register holding one typed value.</summary>
    Lww = 1,
    /// <summary>An add-wins observed-remove set of elements with stable ids and their own LWW fields.</summary>
    OrSet = 2,
}
