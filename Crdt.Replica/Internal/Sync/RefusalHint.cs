using System.Globalization;
using System.Text.RegularExpressions;

namespace Crdt.Replica.Internal.Sync;

/// <summary>
/// The relay names the op it refused by its place in the batch ("op #3 (dev-1:7) on WorkOrder/WO-1: ...").
/// That is only a hint: the replica checks it by sending the op alone, so a relay that words its
/// refusals differently costs more round trips, never a wrong op set aside.
/// </summary>
internal static partial class RefusalHint
{
    [GeneratedRegex(@"\bop #(\d{1,9})\b", RegexOptions.CultureInvariant)]
    private static partial Regex OpIndex();

    /// <summary>The index the relay named, when it names one inside a batch of <paramref name="batchSize"/> ops.</summary>
    public static int? NamedOp(string? detail, int batchSize)
    {
        if (detail is null || OpIndex().Match(detail) is not { Success: true } match)
        {
            return null;
        }
        var index = int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
        return index < batchSize ? index : null;
    }
}
