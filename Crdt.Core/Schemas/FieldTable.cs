using System.Runtime.CompilerServices;

namespace Crdt.Core;

/// <summary>
/// A collection's fields by name, with each top-level register's slot, for the lookups every set makes
/// (the validator's field, the document's register slot). A string-keyed <c>Dictionary</c> hashes the
/// whole name and runs code shared over reference types, which reaches the comparer through the
/// runtime's generic dictionary: two such lookups were ~10% of a local set's instructions. Here the
/// name is hashed from its length and three characters, and a candidate is compared by reference first
/// (names usually come from the same constants the schema was declared with), then by text. Immutable.
/// </summary>
internal sealed class FieldTable
{
    // Open addressing, at most half full: slot i holds a name (null when empty), its field and register slot.
    private readonly string?[] _names;
    private readonly FieldSchema[] _fields;
    private readonly int[] _registerSlots;
    private readonly int _mask;

    /// <param name="fields">The fields with their register slot (-1 for a field that is not a top-level register); names distinct.</param>
    public FieldTable(IReadOnlyList<(FieldSchema Field, int RegisterSlot)> fields)
    {
        var size = 4;
        while (size < fields.Count * 2)
        {
            size *= 2;
        }
        _names = new string?[size];
        _fields = new FieldSchema[size];
        _registerSlots = new int[size];
        _mask = size - 1;
        foreach (var (field, slot) in fields)
        {
            var i = Hash(field.Name) & _mask;
            while (_names[i] is not null)
            {
                i = (i + 1) & _mask;
            }
            _names[i] = field.Name;
            _fields[i] = field;
            _registerSlots[i] = slot;
        }
    }

    /// <summary>The field named <paramref name="name"/>.</summary>
    public bool TryGet(string name, out FieldSchema field)
    {
        var i = IndexOf(name);
        field = i < 0 ? null! : _fields[i];
        return i >= 0;
    }

    /// <summary>The register slot of <paramref name="name"/>, or -1 when it is not a top-level register field.</summary>
    public int RegisterSlotOf(string name)
    {
        var i = IndexOf(name);
        return i < 0 ? -1 : _registerSlots[i];
    }

    private int IndexOf(string name)
    {
        // As the dictionary did: a null name is the caller's error, not an unknown field.
        ArgumentNullException.ThrowIfNull(name);
        var names = _names;
        for (var i = Hash(name) & _mask; ; i = (i + 1) & _mask)
        {
            var candidate = names[i];
            if (candidate is null)
            {
                return -1;
            }
            if (ReferenceEquals(candidate, name) || string.Equals(candidate, name, StringComparison.Ordinal))
            {
                return i;
            }
        }
    }

    // Field names are short and few, so a cheap mix of the length and three characters spreads them well
    // enough; a collision costs a probe. Not randomised, and it need not be: the table holds only the schema's
    // names and is at most half full, so any name looked up (an op's, crafted or not) probes at most past the
    // schema's own fields to an empty slot.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(string name)
    {
        var length = name.Length;
        return length == 0 ? 0 : (length * 31 + name[0]) * 31 + name[length >> 1] * 7 + name[length - 1];
    }
}
