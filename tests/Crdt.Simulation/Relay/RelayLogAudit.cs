using Crdt.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Simulation.Relay;

/// <summary>
/// Checks the relay against its own log: no dot stored twice, and the tenant's in-memory state
/// equal (document by document, canonical JSON with totals and flags) to a fresh replay of the
/// stored log. Returns the problems found, empty when none.
/// </summary>
internal static class RelayLogAudit
{
    public static async Task<List<string>> AuditAsync(InProcessRelay relay)
    {
        var problems = new List<string>();
        var log = await relay.ReadLogAsync();
        var replay = new DocumentSet(relay.Schemas);
        var seen = new HashSet<(string, long)>();
        foreach (var entry in log)
        {
            if (!seen.Add((entry.Replica, entry.Sequence)))
                problems.Add($"dot {entry.Replica}:{entry.Sequence} is stored twice in the relay log (again at position {entry.Position})");
            Op op;
            try
            {
                op = Wire.CoreMessages.ToOp(Wire.Op.Parser.ParseFrom(entry.Payload));
            }
            catch (Exception e)
            {
                problems.Add($"log position {entry.Position} ({entry.Replica}:{entry.Sequence}) does not decode: {e.Message}");
                continue;
            }
            if (op.Dot.Replica.Value != entry.Replica || op.Dot.Seq != entry.Sequence)
                problems.Add($"log position {entry.Position} is filed as {entry.Replica}:{entry.Sequence} but holds op {op.Dot}");
            replay.Apply(op);
        }

        var tenant = await relay.TenantAsync();
        tenant.Inspect(documents =>
        {
            var live = documents.Keys.ToHashSet();
            foreach (var key in live.Union(replay.Keys).OrderBy(k => k))
            {
                var inMemory = live.Contains(key) ? Render(documents, key) : "(absent)";
                var replayed = replay.Exists(key) ? Render(replay, key) : "(absent)";
                if (inMemory != replayed)
                    problems.Add($"{key}: the relay's state differs from a replay of its log{Difference(inMemory, replayed)}");
            }
            return true;
        });
        return problems;
    }

    /// <summary>Where two renderings first differ, with some context either side.</summary>
    public static string Difference(string left, string right)
    {
        var at = 0;
        while (at < left.Length && at < right.Length && left[at] == right[at]) at++;
        var from = Math.Max(0, at - 60);
        string Cut(string text) => text.Length <= from ? "" : text.Substring(from, Math.Min(160, text.Length - from));
        return $" (first difference at character {at})\n    state:  …{Cut(left)}…\n    replay: …{Cut(right)}…";
    }

    /// <summary>Canonical JSON of a document with totals and flags; a view that cannot be built is itself a finding.</summary>
    public static string Render(DocumentSet set, DocumentKey key)
    {
        try
        {
            return set.View(key).ToJson(includeTotalsAndFlags: true);
        }
        catch (Exception e)
        {
            return $"(view of {key} fails: {e.GetType().Name}: {e.Message})";
        }
    }
}
