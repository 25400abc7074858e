using System.Security.Cryptography;
using System.Text;

namespace Crdt.Core.Flags;

/// <summary>
/// Deterministic flag ids: a kind prefix and 16 hex digits of the SHA-256 of what identifies the
/// conflict (document, field, element, the flagged op's dot), so every replica names a flag alike.
/// </summary>
internal static class FlagIds
{
    /// <summary>The kind a flag id names by its prefix, or null when it has none of the four.</summary>
    public static FlagKind? KindOf(string flagId) =>
        flagId.StartsWith("wc-", StringComparison.Ordinal) ? FlagKind.WorkOnClosedOrder
        : flagId.StartsWith("ce-", StringComparison.Ordinal) ? FlagKind.ConcurrentEdit
        : flagId.StartsWith("ed-", StringComparison.Ordinal) ? FlagKind.EditOnDeleted
        : flagId.StartsWith("sc-", StringComparison.Ordinal) ? FlagKind.StatusConflict
        : flagId.StartsWith("sg-", StringComparison.Ordinal) ? FlagKind.SignedContentChanged
        : null;

    public static string For(FlagKind kind, DocumentKey document, string? field, string? element, Dot dot)
    {
        var prefix = kind switch
        {
            FlagKind.WorkOnClosedOrder => "wc-",
            FlagKind.ConcurrentEdit => "ce-",
            FlagKind.StatusConflict => "sc-",
            FlagKind.SignedContentChanged => "sg-",
            _ => "ed-",
        };
        var text = $"{(int)kind}\n{document.Collection}\n{document.Id}\n{field}\n{element}\n{dot.Replica.Value}\n{dot.Seq}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text), hash);
        return prefix + Convert.ToHexStringLower(hash[..8]);
    }
}
