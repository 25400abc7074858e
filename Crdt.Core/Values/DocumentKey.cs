namespace Crdt.Core;

/// <summary>Names one document: its collection (schema) and its id within the collection.</summary>
public readonly record struct DocumentKey : IComparable<DocumentKey>
{
    /// <summary>The longest id or collection name accepted.</summary>
    public const int MaxLength = 256;

    /// <summary>Creates a key; throws <see cref="ArgumentException"/> for an empty or over-long collection or id.</summary>
    public DocumentKey(string collection, string id)
    {
        if (!IsValid(collection, id, out var reason))
        {
            throw new ArgumentException($"invalid document key '{collection}/{id}': {reason}");
        }
        Collection = collection;
        Id = id;
        _hash = HashCode.Combine(collection, id);
    }

    // Keys are looked up on every edit, apply and read: the hash of both strings is computed once, here.
    private readonly int _hash;

    /// <summary>The collection, e.g. "WorkOrder".</summary>
    public string Collection { get; }

    /// <summary>The id within the collection.</summary>
    public string Id { get; }

    /// <summary>Checks a collection and id and says what is wrong.</summary>
    public static bool IsValid(string? collection, string? id, out string reason)
    {
        if (string.IsNullOrEmpty(collection))
        {
            reason = "the collection is empty";
        }
        else if (string.IsNullOrEmpty(id))
        {
            reason = "the id is empty";
        }
        else if (collection.Length > MaxLength || id.Length > MaxLength)
        {
            reason = $"the collection or id is longer than {MaxLength} characters";
        }
        else
        {
            reason = string.Empty;
            return true;
        }
        return false;
    }

    /// <summary>Ordinal equality of collection and id.</summary>
    public bool Equals(DocumentKey other) =>
        // string.Equals(a, b) is ordinal, and inlines its reference check (a key's strings are usually the state's own).
        _hash == other._hash && string.Equals(Collection, other.Collection) && string.Equals(Id, other.Id);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <inheritdoc />
    public int CompareTo(DocumentKey other)
    {
        var c = string.CompareOrdinal(Collection, other.Collection);
        return c != 0 ? c : string.CompareOrdinal(Id, other.Id);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Collection}/{Id}";
}
