using Crdt.Core;

namespace Crdt.Simulation.Scenario;

/// <summary>One edit whose save returned to the user: the op it made and, for an element it added, the element.</summary>
internal sealed record AckedEdit(int Step, string Device, DocumentKey Key, Dot Dot, string? Set, string? ElementId, string What)
{
    public override string ToString() => $"step {Step}: {Device} {What} on {Key} (op {Dot})";
}

/// <summary>Every edit acknowledged to a user during a run: the edits that must never be lost.</summary>
internal sealed class Ledger
{
    public List<AckedEdit> Edits { get; } = [];

    /// <summary>Whether the document (as some party holds it) still has the edit: its op folded in, and
    /// an added element still there unless a person discarded it through its WorkOnClosedOrder flag.</summary>
    public static string? Missing(AckedEdit edit, DocumentView? view, string where)
    {
        if (view is null) return $"{edit} is lost at {where}: the document is not there";
        if (!view.Version.Covers(edit.Dot)) return $"{edit} is lost at {where}: the document's version {view.Version} lacks the op";
        if (edit.Set is { } set && edit.ElementId is { } id && view.Elements(set).All(e => e.Id != id))
        {
            var discarded = view.Flags.Any(f => f.ElementId == id && f.Resolution is Resolution.Discard or Resolution.KeepTheirs);
            if (!discarded) return $"{edit} is lost at {where}: element {set}/{id} is gone and no one discarded it";
        }
        return null;
    }
}
