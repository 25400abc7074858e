using System.Text;
using Crdt.Core.Merge;
using Crdt.Core.Flags;
using Crdt.Core.Views;
using Crdt.Core.Codec;

namespace Crdt.Core.Signatures;

/// <summary>
/// What a customer's signature covers: a work order's status, its live time entries and parts used
/// (the fields that make the bill: hours, technician and start; quantity, part and SKU) and their
/// totals, as one canonical text (docs/protocol.md "Signatures"). The signing device writes it into
/// the signature element and signs its hash; <see cref="SignedContentFlags"/> compares it with the
/// order as it stands now. A pure function of the document's state, so every replica computes it alike.
/// </summary>
internal static class SignedContent
{
    public const string Header = "crdtfieldstore-covered/1";
    private const string StatusLine = "status ";

    public static string Of(DocumentState state)
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        var status = state.Fields.TryGetValue(WorkOrderFields.Status, out var register) && register.HasWinner ? register.Winner.Value : (FieldValue?)null;
        text.Append(StatusLine).Append(CanonicalText.Value(status)).Append('\n');
        var hours = Lines(state, text, WorkOrderFields.TimeEntries, "time", TimeEntryFields.Hours, [TimeEntryFields.Hours, TimeEntryFields.Tech, TimeEntryFields.StartedAt]);
        var parts = Lines(state, text, WorkOrderFields.PartsUsed, "part", PartUsedFields.Qty, [PartUsedFields.Qty, PartUsedFields.Part, PartUsedFields.Sku]);
        text.Append("total-hours ").Append(CanonicalText.Dec(hours)).Append('\n');
        text.Append("total-parts ").Append(CanonicalText.Dec(parts)).Append('\n');
        return text.ToString();
    }

    /// <summary>The lines about labour and parts (every line but the status): a change of status after signing is the normal course, not tampering.</summary>
    public static string WorkOf(string covered)
    {
        var lines = covered.Split('\n');
        return string.Join('\n', lines.Where(line => !line.StartsWith(StatusLine, StringComparison.Ordinal)));
    }

    /// <summary>A total line's value ("total-hours", "total-parts") as written, or null.</summary>
    public static string? TotalOf(string covered, string name)
    {
        foreach (var line in covered.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return line[(name.Length + 1)..];
            }
        }
        return null;
    }

    private static decimal Lines(DocumentState state, StringBuilder text, string set, string tag, string amountField, string[] fields)
    {
        decimal total = 0;
        if (!state.Sets.TryGetValue(set, out var elements))
        {
            return total;
        }

        foreach (var element in elements.Values.Where(e => e.IsLive).OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            text.Append(tag).Append(' ').Append(CanonicalText.Str(element.Id));
            foreach (var field in fields)
            {
                var value = element.Fields.TryGetValue(field, out var register) && register.HasWinner ? register.Winner.Value : (FieldValue?)null;
                text.Append(' ').Append(field).Append(' ').Append(CanonicalText.Value(value));
                if (field == amountField && value is { Kind: FieldValueKind.Decimal or FieldValueKind.Integer } amount)
                {
                    total += amount.AsDecimal();
                }
            }
            text.Append('\n');
        }
        return total;
    }
}
