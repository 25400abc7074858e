using Google.Protobuf.Collections;

namespace Crdt.Core.Codec;

/// <summary>
/// A read-only column of numbers (one of DocumentSnapshot's packed repeated fields) as the snapshot
/// reader sees it: a count, an indexer and a span enumerator, over an array sized exactly once by
/// <see cref="SnapshotWireReader"/>. An absent column is the default value and allocates nothing.
/// </summary>
internal readonly struct Column<T>
    where T : struct
{
    private readonly T[]? _items;

    public Column(T[] items, int count)
    {
        _items = items;
        Count = count;
    }

    public int Count { get; }

    public T this[int index] => (uint)index < (uint)Count ? _items![index] : throw new ArgumentOutOfRangeException(nameof(index));

    public ReadOnlySpan<T> AsSpan() => _items is null ? default : new ReadOnlySpan<T>(_items, 0, Count);

    public ReadOnlySpan<T>.Enumerator GetEnumerator() => AsSpan().GetEnumerator();

    /// <summary>A copy of a generated message's repeated field (the path for messages already parsed).</summary>
    public static Column<T> From(RepeatedField<T> field)
    {
        if (field.Count == 0)
        {
            return default;
        }
        var items = new T[field.Count];
        field.CopyTo(items, 0);
        return new Column<T>(items, items.Length);
    }
}
