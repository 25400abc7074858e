using System.Globalization;

namespace Crdt.Load;

/// <summary>
/// This process's write syscalls and bytes handed to them, from /proc/self/io (Linux): unlike
/// times, they do not move with other load on the machine, so they show what a change saved.
/// </summary>
internal readonly record struct ProcessIo(long WriteCalls, long BytesWritten)
{
    public static ProcessIo? Read()
    {
        const string path = "/proc/self/io";
        if (!File.Exists(path))
        {
            return null;
        }
        long calls = 0, bytes = 0;
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(':', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                continue;
            }
            if (parts[0] == "syscw") calls = long.Parse(parts[1], CultureInfo.InvariantCulture);
            if (parts[0] == "wchar") bytes = long.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        return new ProcessIo(calls, bytes);
    }

    /// <summary>"N write calls and B bytes written per edit", or empty when /proc is not there.</summary>
    public static string PerEdit(ProcessIo? before, ProcessIo? after, int edits) =>
        before is { } b && after is { } a
            ? $", {(double)(a.WriteCalls - b.WriteCalls) / edits:F1} write calls and {(a.BytesWritten - b.BytesWritten) / edits} B written/edit"
            : string.Empty;
}
