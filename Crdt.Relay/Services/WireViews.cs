using System.Globalization;
using Crdt.Core;
using Crdt.Relay.Sync;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Services;

/// <summary>Core read models to documents.proto messages and back, for callers with no CRDT code.</summary>
internal static class WireViews
{
    /// <summary>The document key of a request, or INVALID_ARGUMENT saying what is wrong with it.</summary>
    public static DocumentKey Key(Wire.DocumentKey? key)
    {
        if (key is null)
        {
            throw RelayRefusal.Invalid("the document is missing from the request");
        }

        if (!DocumentKey.IsValid(key.Collection, key.Id, out var reason))
        {
            throw RelayRefusal.Invalid($"document '{key.Collection}/{key.Id}': {reason}");
        }

        return new DocumentKey(key.Collection, key.Id);
    }

    public static Wire.DocumentKey ToWire(DocumentKey key) => new() { Collection = key.Collection, Id = key.Id };

    public static Wire.FieldValue ToWire(FieldValue value) => Wire.CoreMessages.ToMessage(value);

    public static Wire.DocumentView ToWire(DocumentView view, long version)
    {
        var wire = new Wire.DocumentView
        {
            Document = ToWire(view.Key),
            Deleted = view.IsDeleted,
            Version = (ulong)version,
            OpenFlags = (uint)view.Flags.Count(f => f.State == FlagState.Open),
        };
        foreach (var (name, value) in view.Fields)
        {
            if (!value.IsNull)
            {
                wire.Fields[name] = ToWire(value);
            }
        }
        foreach (var (name, elements) in view.Sets)
        {
            var list = new Wire.ElementList();
            foreach (var element in elements.OrderBy(e => e.Id, StringComparer.Ordinal))
            {
                var item = new Wire.ElementView { ElementId = element.Id, HeldBack = !element.CountsInTotals };
                foreach (var (field, value) in element.Fields)
                {
                    if (!value.IsNull)
                    {
                        item.Fields[field] = ToWire(value);
                    }
                }
                list.Elements.Add(item);
            }
            wire.Sets[name] = list;
        }
        foreach (var (name, total) in view.Totals)
        {
            wire.Totals[name] = total.ToString(CultureInfo.InvariantCulture);
        }
        return wire;
    }

    public static Wire.FlagView ToWire(Flag flag)
    {
        var wire = new Wire.FlagView
        {
            Id = flag.Id,
            Kind = flag.Kind switch
            {
                FlagKind.WorkOnClosedOrder => Wire.FlagKind.WorkOnClosedOrder,
                FlagKind.ConcurrentEdit => Wire.FlagKind.ConcurrentEdit,
                FlagKind.EditOnDeleted => Wire.FlagKind.EditOnDeleted,
                FlagKind.StatusConflict => Wire.FlagKind.StatusConflict,
                FlagKind.SignedContentChanged => Wire.FlagKind.SignedContentChanged,
                _ => Wire.FlagKind.Unspecified,
            },
            Severity = flag.Severity == FlagSeverity.Error ? "error" : "review",
            Document = ToWire(flag.Document),
            Field = flag.Field ?? "",
            ElementId = flag.ElementId ?? "",
            Message = flag.Message,
            WinnerAuthor = flag.WinnerAuthor ?? "",
            LoserAuthor = flag.LoserAuthor ?? "",
            Resolution = flag.Resolution is { } resolution ? (Wire.Resolution)(int)resolution : Wire.Resolution.Unspecified,
            ResolvedBy = flag.ResolvedByAuthor ?? "",
        };
        if (flag.WinnerAt is { } winnerAt)
        {
            wire.WinnerTimeMs = winnerAt.ToUnixTimeMilliseconds();
        }

        if (flag.LoserAt is { } loserAt)
        {
            wire.LoserTimeMs = loserAt.ToUnixTimeMilliseconds();
        }

        if (flag.WinnerValue is { } winner)
        {
            wire.WinnerValue = ToWire(winner);
        }

        if (flag.LoserValue is { } loser)
        {
            wire.LoserValue = ToWire(loser);
        }

        foreach (var dot in flag.Dots)
        {
            wire.Ops.Add(new Wire.Dot { Replica = dot.Replica.Value, Seq = (ulong)dot.Seq });
        }
        return wire;
    }
}
