namespace Crdt.Simulation.Fuzz;

/// <summary>Counts of one fuzz run, and what it found: answers other than a proper refusal, grouped by
/// exception and place, each with the first input that caused it, and log audit problems.</summary>
public sealed class FuzzReport
{
    public required int Seed { get; init; }
    public int Requests { get; set; }
    public Dictionary<string, int> ByKind { get; } = [];
    public int Accepted { get; set; }
    public Dictionary<string, int> RefusedByStatus { get; } = [];
    public int Undecodable { get; set; }
    public int Audits { get; set; }
    public SortedDictionary<string, (int Count, string Example)> Findings { get; } = new(StringComparer.Ordinal);
    public List<string> AuditProblems { get; } = [];

    public int FindingCount => Findings.Values.Sum(f => f.Count);

    public void Found(string signature, string example) =>
        Findings[signature] = Findings.TryGetValue(signature, out var seen) ? (seen.Count + 1, seen.Example) : (1, example);

    public override string ToString()
    {
        var lines = new List<string>
        {
            $"fuzz seed {Seed}: {Requests} requests ({string.Join(", ", ByKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}); " +
            $"{Accepted} accepted, {RefusedByStatus.Values.Sum()} refused ({string.Join(", ", RefusedByStatus.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}), " +
            $"{Undecodable} undecodable; {Audits} log audits; {FindingCount} answers that are not a refusal, {AuditProblems.Count} audit problems",
        };
        lines.AddRange(Findings.Select(f => $"  FINDING x{f.Value.Count}: {f.Key}\n      first input: {f.Value.Example}"));
        lines.AddRange(AuditProblems.Take(10).Select(p => "  AUDIT: " + p));
        return string.Join("\n", lines);
    }
}
