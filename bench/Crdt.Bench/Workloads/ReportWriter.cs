using System.Globalization;
using System.Text.Json;

namespace Crdt.Bench.Workloads;

/// <summary>Writes a <see cref="WorkloadReport"/> as JSON and as a table for people.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    public static string ToJson(WorkloadReport report) => JsonSerializer.Serialize(report, Json);

    public static void WriteJson(WorkloadReport report, FileInfo file)
    {
        file.Directory?.Create();
        File.WriteAllText(file.FullName, ToJson(report) + "\n");
    }

    public static void WriteTable(WorkloadReport report, WorkloadTarget target, TextWriter output)
    {
        var rows = new List<(string Row, string Value)>();
        var ops = new WorkloadScale(report.Scale);
        if (report.W1 is { } w1)
        {
            rows.Add(("W1 create", Ms(w1.CreateMs)));
            rows.Add(("W1 sets", $"{Ms(w1.EditMs)}  ({Rate(w1.EditOpsPerSec)})"));
            rows.Add(("W1 encoded", Bytes(w1.EncodedBytes)));
            rows.Add(("W1 digest", Check(w1.Digest, report.ExpectedDigests.W1)));
        }
        if (report.W2 is { } w2)
        {
            rows.Add(("W2 A offline ops", $"{Ms(w2.EditMs)}  ({Rate(ops.W2Ops / (w2.EditMs / 1000))})"));
            if (w2.ApplyMs is { } applyMs)
            {
                rows.Add(("W2 encode", Ms(w2.EncodeMs!.Value)));
                rows.Add(("W2 update", Bytes(w2.UpdateBytes!.Value)));
                rows.Add(("W2 apply", $"{Ms(applyMs)}  ({Rate(w2.ApplyOpsPerSec!.Value)})"));
                rows.Add(("W2 B equals A", w2.Equal == true ? "yes" : "NO"));
            }
            else
            {
                rows.Add(("W2 exchange", "not measured by this target"));
            }
            rows.Add(("W2 digest", Check(w2.Digest, report.ExpectedDigests.W2)));
        }
        if (report.W3 is { } w3)
        {
            rows.Add(("W3 edits", Ms(w3.EditMs)));
            rows.Add(("W3 encode / merge", $"{Ms(w3.EncodeMs)} / {Ms(w3.MergeMs)}"));
            rows.Add(("W3 exchange", Bytes(w3.ExchangeBytes)));
            rows.Add(("W3 converged, adds", $"{(w3.Converged ? "yes" : "NO")}, {(w3.AddsAllPresent ? "all present" : "MISSING")}"));
        }
        if (report.W4 is { } w4)
        {
            rows.Add(("W4 load + read", $"{Ms(w4.LoadMs)} + {Ms(w4.ReadMs)} = {Ms(w4.TotalMs)}"));
            rows.Add(("W4 bytes", Bytes(w4.Bytes)));
        }

        output.WriteLine($"{report.Library} — target {report.Target}, scale {report.Scale.ToString(CultureInfo.InvariantCulture)}, median of {report.Reps}");
        output.WriteLine($"machine: {report.Machine.Nproc} cores, {report.Machine.Cpu}, {report.Machine.Runtime}, load average at start {report.Machine.LoadAverage}");
        int width = rows.Max(r => r.Row.Length);
        foreach (var (row, value) in rows) output.WriteLine($"  {row.PadRight(width)}  {value}");

        var targets = PerformanceTarget.For(target);
        if (targets.Count == 0) return;
        output.WriteLine("targets (issue 6):");
        foreach (var t in targets)
        {
            double? measured = t.Measure(report);
            string verdict = t.Met(report) switch { true => "met", false => "MISSED", null => "not measured" };
            string value = measured is double m ? Number(m) : "-";
            output.WriteLine($"  {t.Label.PadRight(width)}  {value} {t.Unit}  (target {(t.AtLeast ? ">=" : "<=")} {Number(t.Bound)} {t.Unit})  {verdict}");
        }
    }

    private static string Ms(double ms) => $"{ms.ToString(ms >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture)} ms";
    private static string Rate(double opsPerSec) => $"{opsPerSec.ToString("N0", CultureInfo.InvariantCulture)} ops/s";
    private static string Number(double v) => v.ToString(v >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => $"{bytes.ToString("N0", CultureInfo.InvariantCulture)} B";

    private static string Check(string digest, string expected) =>
        digest == expected ? $"{digest[..16]}… matches" : $"MISMATCH: {digest} (expected {expected})";
}
