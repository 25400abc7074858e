namespace Crdt.Core;

/// <summary>The one rule for "had the author of an op seen another op".</summary>
public static class Causality
{
    /// <summary>
    /// True when an op <paramref name="opDot"/> with causal context <paramref name="context"/>
    /// had seen <paramref name="other"/>: the same replica with a lower sequence (a replica has
    /// always seen its own earlier ops), or a dot the context covers.
    /// </summary>
    public static bool Covers(Dot opDot, VersionVector context, Dot other) =>
        other.Replica.Equals(opDot.Replica) ? other.Seq < opDot.Seq : context.Covers(other);

    /// <summary>True when neither op had seen the other.</summary>
    public static bool Concurrent(Dot a, VersionVector aContext, Dot b, VersionVector bContext) =>
        !Covers(a, aContext, b) && !Covers(b, bContext, a);
}
