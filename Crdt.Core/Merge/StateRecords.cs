namespace Crdt.Core.Merge;

/// <summary>What an op did, for flag derivation. Numbers match ops.proto's OpRunKind (persisted).</summary>
internal enum OpKind
{
    Edit = 1,
    Delete = 2,
    Resolve = 3,
}

/// <summary>The causal record of one op: its dot, its author's context and the author.</summary>
internal readonly record struct CausalRecord(Dot Dot, VersionVector Context, string Author)
{
    /// <summary>True when this op had seen <paramref name="other"/>.</summary>
    public bool HasSeen(Dot other) => Causality.Covers(Dot, Context, other);

    /// <summary>True when neither op had seen the other (and they are different ops).</summary>
    public bool ConcurrentWith(in CausalRecord other) =>
        !Dot.Equals(other.Dot) && !HasSeen(other.Dot) && !other.HasSeen(Dot);
}

/// <summary>The record of every op folded into a document's state.</summary>
internal readonly record struct OpRecord(CausalRecord Causal, OpKind Kind);

/// <summary>
/// One register write. Writes are ordered by (Hlc, Dot, Index): Hlc decides, the dot breaks
/// the tie of two ops a misbehaving clock stamped alike, the index orders writes of one op.
/// </summary>
internal readonly record struct Write(CausalRecord Causal, Hlc Hlc, int Index, FieldValue Value)
{
    public Dot Dot => Causal.Dot;

    // Writes of different milliseconds (a set against its register's winner, nearly always) are settled inline,
    // without copying both stamps and dots into Order.Compare.
    public int CompareTo(in Write other) => Hlc.WallMs != other.Hlc.WallMs
        ? Hlc.WallMs.CompareTo(other.Hlc.WallMs)
        : Order.Compare(Hlc, Causal.Dot, Index, other.Hlc, other.Causal.Dot, other.Index);
}

/// <summary>The winning resolution of one flag (the highest (Hlc, Dot, Index) among all resolutions of it).</summary>
internal readonly record struct ResolutionState(CausalRecord Causal, Hlc Hlc, int Index, Resolution Resolution)
{
    public int CompareTo(in ResolutionState other) => Order.Compare(Hlc, Causal.Dot, Index, other.Hlc, other.Causal.Dot, other.Index);
}

internal static class Order
{
    public static int Compare(Hlc a, Dot aDot, int aIndex, Hlc b, Dot bDot, int bIndex)
    {
        var c = a.CompareTo(b);
        if (c != 0)
        {
            return c;
        }
        c = aDot.CompareTo(bDot);
        return c != 0 ? c : aIndex.CompareTo(bIndex);
    }
}

/// <summary>An LWW register: its winning write, plus every write when flags read the field.</summary>
internal sealed class Register
{
    public Write Winner;
    public bool HasWinner;
    public List<Write>? History;

    public void Apply(in Write write, bool keepHistory)
    {
        if (keepHistory)
        {
            (History ??= []).Add(write);
        }
        if (!HasWinner || write.CompareTo(Winner) > 0)
        {
            Winner = write;
            HasWinner = true;
        }
    }
}

/// <summary>The state of one OR-set element: who added it, who removed it, its field registers.</summary>
internal sealed class ElementState(string set, string id)
{
    public string Set { get; } = set;
    public string Id { get; } = id;
    public List<CausalRecord> Adds { get; } = [];
    public List<CausalRecord> Removes { get; } = [];
    public Dictionary<string, Register> Fields { get; } = new(StringComparer.Ordinal);

    /// <summary>Add-wins: live while some addition is not covered by any removal's context.</summary>
    public bool IsLive
    {
        get
        {
            foreach (var add in Adds)
            {
                if (!IsRemoved(add))
                {
                    return true;
                }
            }
            return false;
        }
    }

    public bool IsRemoved(in CausalRecord add)
    {
        foreach (var remove in Removes)
        {
            if (remove.HasSeen(add.Dot))
            {
                return true;
            }
        }
        return false;
    }
}
