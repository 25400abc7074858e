using System.Collections;

namespace Crdt.Grpc;

/// <summary>
/// Custom metadata of a call: request headers, response headers or trailers. An ordered list of
/// entries; a key may repeat. Keys are case-insensitive and stored lower-case.
/// </summary>
public sealed class Metadata : IReadOnlyList<MetadataEntry>
{
    /// <summary>Suffix of keys whose values are bytes (sent as base64).</summary>
    public const string BinarySuffix = "-bin";

    private readonly List<MetadataEntry> _entries = new();

    public int Count => _entries.Count;

    public MetadataEntry this[int index] => _entries[index];

    /// <summary>Adds a text entry. The key must not end in <c>-bin</c>; the value must be printable ASCII.</summary>
    public Metadata Add(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var normalized = NormalizeKey(key);
        if (IsBinaryKey(normalized))
        {
            throw new ArgumentException($"Metadata key '{normalized}' ends in '-bin', so its value must be bytes.", nameof(key));
        }

        foreach (var c in value)
        {
            if (c < 0x20 || c > 0x7E)
            {
                throw new ArgumentException(
                    $"Metadata '{normalized}' has a character outside printable ASCII (U+{(int)c:X4}); use a '-bin' key for other data.",
                    nameof(value));
            }
        }

        _entries.Add(new MetadataEntry(normalized, value));
        return this;
    }

    /// <summary>Adds a binary entry. The key must end in <c>-bin</c>.</summary>
    public Metadata Add(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var normalized = NormalizeKey(key);
        if (!IsBinaryKey(normalized))
        {
            throw new ArgumentException($"Metadata key '{normalized}' carries bytes, so it must end in '-bin'.", nameof(key));
        }

        _entries.Add(new MetadataEntry(normalized, value));
        return this;
    }

    /// <summary>The first entry with this key, or null.</summary>
    public MetadataEntry? Get(string key)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The text value of the first entry with this key, or null.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>The bytes of the first entry with this (<c>-bin</c>) key, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    /// <summary>Every entry with this key, in order.</summary>
    public IEnumerable<MetadataEntry> GetAll(string key) =>
        _entries.Where(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>Removes every entry with this key; true when any was removed.</summary>
    public bool Remove(string key) =>
        _entries.RemoveAll(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)) > 0;

    public IEnumerator<MetadataEntry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);

    internal void AddTrusted(MetadataEntry entry) => _entries.Add(entry);

    private static string NormalizeKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var lower = key.ToLowerInvariant();
        foreach (var c in lower)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.' or '-';
            if (!ok)
            {
                throw new ArgumentException($"Metadata key '{key}' may only contain 0-9 a-z _ . - (PROTOCOL-HTTP2.md).", nameof(key));
            }
        }

        if (Internal.ReservedHeaders.IsReserved(lower))
        {
            throw new ArgumentException($"Metadata key '{key}' is reserved for the gRPC protocol itself.", nameof(key));
        }

        return lower;
    }
}
