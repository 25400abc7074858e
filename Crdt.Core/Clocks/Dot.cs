namespace Crdt.Core;

/// <summary>
/// The identity of one op: the replica that made it and its sequence number there.
/// Sequences start at 1 and only grow per replica, across all documents.
/// </summary>
public readonly record struct Dot(ReplicaId Replica, long Seq) : IComparable<Dot>
{
    /// <inheritdoc />
    public int CompareTo(Dot other)
    {
        var c = Replica.CompareTo(other.Replica);
        return c != 0 ? c : Seq.CompareTo(other.Seq);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Replica}:{Seq}";
}
