using System.Globalization;

namespace Crdt.Bench.Workloads;

/// <summary>Parsing of the /proc files the phase diagnostics read.</summary>
internal static class ProcFile
{
    // Indexes into StatFields, which start at the state (field 3 of proc(5)).
    public const int StatMinorFaults = 10 - 3;
    public const int StatMajorFaults = 12 - 3;

    /// <summary>The fields of a /proc/…/stat file after the command name (which may contain spaces).</summary>
    public static long[] StatFields(string path)
    {
        var text = File.ReadAllText(path);
        return text[(text.LastIndexOf(')') + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => long.TryParse(f, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0).ToArray();
    }

    public static long[] Fields(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
}
