using System.Diagnostics.CodeAnalysis;

namespace Crdt.Core.Views;

/// <summary>
/// A read-only map from names to values held as one array sorted by name (ordinal), for the read
/// model: a view has a handful of fields and each element two or three, so one array and a scan
/// beat a <see cref="SortedDictionary{TKey, TValue}"/>'s tree of nodes, which reading 1,000
/// documents built by the hundred thousand. Enumerates in name order, as the tree did.
/// </summary>
internal sealed class SortedNameMap<TValue> : IReadOnlyDictionary<string, TValue>
{
    private static readonly Comparison<KeyValuePair<string, TValue>> s_byName = (a, b) => string.CompareOrdinal(a.Key, b.Key);

    private readonly KeyValuePair<string, TValue>[] _entries;

    /// <summary>Takes <paramref name="entries"/> (distinct names, any order) and sorts them in place.</summary>
    public SortedNameMap(KeyValuePair<string, TValue>[] entries)
    {
        if (entries.Length > 1)
        {
            Array.Sort(entries, s_byName);
        }
        _entries = entries;
    }

    public static SortedNameMap<TValue> Empty { get; } = new([]);

    public int Count => _entries.Length;

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public IEnumerable<TValue> Values => _entries.Select(e => e.Value);

    public TValue this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no field '{key}'");

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = default;
            return false;
        }
        value = _entries[i].Value;
        return true;
    }

    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, TValue>>)_entries).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var entries = _entries;
        if (entries.Length <= 8)
        {
            for (var i = 0; i < entries.Length; i++)
            {
                if (string.Equals(entries[i].Key, key, StringComparison.Ordinal))
                {
                    return i;
                }
            }
            return -1;
        }
        int low = 0, high = entries.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            var c = string.CompareOrdinal(entries[mid].Key, key);
            if (c == 0)
            {
                return mid;
            }
            if (c < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return -1;
    }
}
