using Crdt.Core.Merge;
using Crdt.Core.Flags;
using Crdt.Core.Views;
using Crdt.Core.Codec;

namespace Crdt.Core.Signatures;

/// <summary>
/// SignedContentChanged: a live signature element of a work order whose covered text
/// (<see cref="SignatureFields.Covered"/>) differs, in its labour and parts lines, from
/// <see cref="SignedContent.Of"/> the order now: hours or parts changed after the customer signed, or
/// concurrently with it. A pure function of the state, so every replica derives it alike. The id
/// includes the hash of the current labour and parts: a dispatcher's resolution acknowledges this
/// difference; a later change raises a new flag.
/// </summary>
internal static class SignedContentFlags
{
    public static void Derive(DocumentState state, List<Flag> flags)
    {
        if (state.Key.Collection != WorkOrderFields.Collection || !state.Sets.TryGetValue(WorkOrderFields.Signatures, out var signatures))
        {
            return;
        }

        string? now = null;
        string? nowWork = null;
        foreach (var element in signatures.Values.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            if (!element.IsLive || !element.Fields.TryGetValue(SignatureFields.Covered, out var coveredRegister)
                || !coveredRegister.HasWinner || coveredRegister.Winner.Value.Kind != FieldValueKind.String)
            {
                continue;
            }

            var covered = coveredRegister.Winner.Value.AsString();
            // Text that is not a covered statement claims nothing to compare (the relay refuses such signatures anyway).
            if (!covered.StartsWith(SignedContent.Header + "\n", StringComparison.Ordinal))
            {
                continue;
            }

            now ??= SignedContent.Of(state);
            nowWork ??= SignedContent.WorkOf(now);
            if (SignedContent.WorkOf(covered) == nowWork)
            {
                continue;
            }

            var id = FlagIds.For(FlagKind.SignedContentChanged, state.Key, WorkOrderFields.Signatures,
                element.Id + "\n" + CanonicalText.Sha256Hex(nowWork), default);
            var resolution = FlagDeriver.Resolved(state, id);
            var adds = element.Adds.Where(a => !element.IsRemoved(a)).OrderBy(a => a.Dot).ToList();
            var signer = element.Fields.TryGetValue(SignatureFields.Signer, out var s) && s.HasWinner ? s.Winner.Value.ToString() : "the customer";
            var signed = Summary(covered);
            var shown = Summary(now);
            flags.Add(new Flag
            {
                Id = id,
                Kind = FlagKind.SignedContentChanged,
                Document = state.Key,
                Field = WorkOrderFields.Signatures,
                ElementId = element.Id,
                Dots = FlagDeriver.Sorted(adds.Select(a => a.Dot).ToArray()),
                LoserDot = adds[0].Dot,
                WinnerValue = FieldValue.String(shown),
                LoserValue = FieldValue.String(signed),
                LoserAuthor = adds[0].Author,
                Message = $"{signer} signed for {signed} (signature '{element.Id}'); the order now shows {shown}: labour or parts changed after or while the customer signed.",
                Resolution = resolution?.Resolution,
                ResolvedBy = resolution?.Causal.Dot,
                ResolvedByAuthor = resolution?.Causal.Author,
            });
        }
    }

    private static string Summary(string covered) =>
        $"{SignedContent.TotalOf(covered, "total-hours") ?? "?"} hours and {SignedContent.TotalOf(covered, "total-parts") ?? "?"} parts";
}
