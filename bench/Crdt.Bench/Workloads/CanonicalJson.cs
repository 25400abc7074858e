using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Crdt.Bench.Workloads;

/// <summary>
/// Canonical JSON of the benchmark documents and their SHA-256 digest: keys sorted ordinally at
/// every level, no whitespace, numbers in shortest round-trip form. Every target and the plain
/// replay render through here, so equal digests mean equal states.
/// </summary>
public static class CanonicalJson
{
    /// <summary>
    /// Renders a JSON tree whose objects are <see cref="IEnumerable{T}"/> of string-keyed pairs
    /// (<see cref="IReadOnlyDictionary{TKey,TValue}"/> or a pair list) and whose leaves are
    /// string, double, long or int.
    /// </summary>
    public static void Write(StringBuilder into, object value)
    {
        switch (value)
        {
            case string s: WriteString(into, s); break;
            case double d: into.Append(FormatNumber(d)); break;
            case decimal m: into.Append(FormatNumber((double)m)); break;
            case long l: into.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case int i: into.Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case IEnumerable<KeyValuePair<string, object>> obj: WriteObject(into, obj); break;
            default: throw new ArgumentException($"cannot render {value.GetType().Name} as canonical JSON", nameof(value));
        }
    }

    public static string Render(object value)
    {
        var sb = new StringBuilder();
        Write(sb, value);
        return sb.ToString();
    }

    /// <summary>Lowercase hex SHA-256 of <c>[doc0,doc1,…]</c> in UTF-8.</summary>
    public static string Digest(IEnumerable<object> documents)
    {
        var sb = new StringBuilder("[");
        bool first = true;
        foreach (var doc in documents)
        {
            if (!first) sb.Append(',');
            first = false;
            Write(sb, doc);
        }
        sb.Append(']');
        return DigestOf(sb.ToString());
    }

    public static string DigestOf(string json) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));

    /// <summary>Shortest form that round-trips: 2, 1.25, never 2.0.</summary>
    public static string FormatNumber(double d)
    {
        if (double.IsNaN(d) || double.IsInfinity(d)) throw new ArgumentException("JSON has no NaN or infinity", nameof(d));
        return d.ToString("R", CultureInfo.InvariantCulture);
    }

    private static void WriteObject(StringBuilder into, IEnumerable<KeyValuePair<string, object>> obj)
    {
        var pairs = obj.ToList();
        pairs.Sort((x, y) => string.CompareOrdinal(x.Key, y.Key));
        into.Append('{');
        for (int i = 0; i < pairs.Count; i++)
        {
            if (i > 0) into.Append(',');
            WriteString(into, pairs[i].Key);
            into.Append(':');
            Write(into, pairs[i].Value);
        }
        into.Append('}');
    }

    private static void WriteString(StringBuilder into, string s)
    {
        into.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': into.Append("\\\""); break;
                case '\\': into.Append("\\\\"); break;
                case < ' ': into.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: into.Append(c); break;
            }
        }
        into.Append('"');
    }
}
