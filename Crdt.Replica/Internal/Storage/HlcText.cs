using System.Globalization;
using Crdt.Core;

namespace Crdt.Replica.Internal.Storage;

/// <summary>A clock stamp as the settings table keeps it ("wallMs.counter"; the replica is the file's own).</summary>
internal static class HlcText
{
    public static string Format(Hlc hlc) => string.Create(CultureInfo.InvariantCulture, $"{hlc.WallMs}.{hlc.Counter}");

    /// <summary>The stamp, or the zero stamp when <paramref name="text"/> is null.</summary>
    public static Hlc Parse(string? text)
    {
        if (text is null)
        {
            return default;
        }
        var parts = text.Split('.');
        return new Hlc(long.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), default);
    }

    /// <summary>Orders by wall time then counter only (a stored stamp carries no replica).</summary>
    public static bool IsAfter(Hlc left, Hlc right) =>
        left.WallMs > right.WallMs || (left.WallMs == right.WallMs && left.Counter > right.Counter);
}
