namespace Crdt.Core;

/// <summary>
/// The bounds every op and value obeys, the same on the device (when an edit is made) and on the
/// relay (when an op is received): per-field <see cref="ValueLimits"/>, strict text, an op's
/// envelope (author, ids, clock), element counts and the size of a document's encoded state,
/// so that a document's snapshot always fits in one gRPC message and a total never overflows.
/// </summary>
public static class ValueRules
{
    /// <summary>Longest string value by default (characters).</summary>
    public const int DefaultMaxStringLength = 16 * 1024;

    /// <summary>Largest bytes value by default (under the relay's 256 KiB per op).</summary>
    public const int DefaultMaxBytes = 192 * 1024;

    /// <summary>Largest number (either sign) by default.</summary>
    public const decimal DefaultMaxMagnitude = 1_000_000_000_000_000m;

    /// <summary>Most elements an OR-set may ever be given (removed ones still count: their state is kept).</summary>
    public const int DefaultMaxElements = 10_000;

    /// <summary>
    /// Largest encoded state (snapshot) of one document. Half the 4 MiB gRPC message limit, so a
    /// snapshot with its envelope always fits in a Pull or Pin reply.
    /// </summary>
    public const int MaxDocumentStateBytes = 2 * 1024 * 1024;

    /// <summary>Longest author name (the relay's device names are at most 100 characters).</summary>
    public const int MaxAuthorLength = 100;

    /// <summary>Longest flag id in a resolution.</summary>
    public const int MaxFlagIdLength = 64;

    /// <summary>0001-01-01T00:00:00Z in Unix milliseconds: the earliest time .NET can show.</summary>
    public const long MinTimestampMs = -62_135_596_800_000;

    /// <summary>9999-12-31T23:59:59.999Z in Unix milliseconds: the latest time .NET can show.</summary>
    public const long MaxTimestampMs = 253_402_300_799_999;

    /// <summary>
    /// Null when <paramref name="text"/> is strict Unicode, else why not. Protobuf decodes invalid
    /// UTF-8 to U+FFFD without a word, and a lone surrogate is encoded as U+FFFD, so the
    /// replacement character is refused: it is the trace of bytes that were not text.
    /// </summary>
    public static string? CheckText(string text)
    {
        // Almost all text has neither a surrogate nor U+FFFD, and only text with one of them walks its
        // characters below (this is on every string value's edit path).
        if (HasNoSurrogateOrReplacement(text))
        {
            return null;
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\uFFFD')
            {
                return $"invalid UTF-8 at character {i} (U+FFFD, the mark of bytes that are not text)";
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                return $"invalid UTF-16 at character {i} (a lone surrogate cannot be encoded as UTF-8)";
            }
        }
        return null;
    }

    /// <summary>
    /// Null when the op's envelope is sound, else what is wrong (naming the part): author length
    /// and text, clock within the years 1970 to 9999, strict text in ids, field names and flag ids.
    /// Values are checked against their field's limits separately (they need the schema).
    /// </summary>
    public static string? CheckEnvelope(Op op)
    {
        if (op.Author.Length > MaxAuthorLength)
        {
            return $"author: {op.Author.Length} characters; at most {MaxAuthorLength}";
        }

        if (CheckText(op.Author) is { } author)
        {
            return $"author: {author}";
        }

        if (op.Hlc.WallMs is < 0 or > MaxTimestampMs)
        {
            return $"hlc: wall time {op.Hlc.WallMs} ms is outside the years 1970 to 9999";
        }

        if ((CheckText(op.Document.Collection) ?? CheckText(op.Document.Id)) is { } key)
        {
            return $"document: {key}";
        }

        // Indexed, not foreach, and no LINQ over an element's names: each would be an allocation per op.
        var mutations = op.Mutations;
        for (var i = 0; i < mutations.Count; i++)
        {
            var mutation = mutations[i];
            var problem = mutation switch
            {
                SetField set => Named(set.Field),
                AddElement add => Named(add.Field) ?? Named(add.ElementId) ?? FirstBadName(add.Values),
                SetElementField element => Named(element.Field) ?? Named(element.ElementId) ?? Named(element.ElementField),
                RemoveElement remove => Named(remove.Field) ?? Named(remove.ElementId),
                ResolveFlag resolve => resolve.FlagId.Length > MaxFlagIdLength ? $"flag id longer than {MaxFlagIdLength} characters" : CheckText(resolve.FlagId),
                _ => null,
            };
            if (problem is not null)
            {
                return $"{mutation.TargetField ?? "mutation"}: {problem}";
            }
        }
        return null;
    }

    private static bool HasNoSurrogateOrReplacement(string text)
    {
        // Short text (most values): one pass testing each character against U+D800 (below it there is neither)
        // costs less than the two vectorized scans' calls; long text takes the scans.
        if (text.Length <= 32)
        {
            foreach (var c in text)
            {
                if (c >= '\uD800')
                {
                    return false;
                }
            }
            return true;
        }
        var span = text.AsSpan();
        return span.IndexOfAnyInRange('\uD800', '\uDFFF') < 0 && span.IndexOf('\uFFFD') < 0;
    }

    private static string? FirstBadName(IReadOnlyDictionary<string, FieldValue> values)
    {
        foreach (var (name, _) in new ElementValues(values))
        {
            if (Named(name) is { } problem)
            {
                return problem;
            }
        }
        return null;
    }

    private static string? Named(string name) =>
        name.Length > DocumentKey.MaxLength ? $"a name or id longer than {DocumentKey.MaxLength} characters" : CheckText(name);

    /// <summary>
    /// A cheap upper estimate of what an op adds to its document's encoded state: its values,
    /// names and ids, plus a fixed allowance per mutation and per op for stamps and causal record.
    /// Used to decide when the exact (costly) size must be measured.
    /// </summary>
    public static long EstimateAddedBytes(Op op) => EstimateAddedBytes(op.Mutations, op.Author);

    /// <inheritdoc cref="EstimateAddedBytes(Op)"/>
    public static long EstimateAddedBytes(IReadOnlyList<Mutation> mutations, string author)
    {
        var bytes = OpBaseBytes + AuthorBytes(author);
        // Indexed, not foreach: an enumerator over the interface is an allocation.
        for (int i = 0, count = mutations.Count; i < count; i++)
        {
            bytes += EstimateBytes(mutations[i]);
        }
        return bytes;
    }

    /// <summary>The fixed allowance per op of <see cref="EstimateAddedBytes(IReadOnlyList{Mutation}, string)"/> (stamps, causal record).</summary>
    internal const long OpBaseBytes = 64;

    /// <summary>One mutation's share of <see cref="EstimateAddedBytes(IReadOnlyList{Mutation}, string)"/>: the validator sums
    /// these in its own pass over the mutations instead of walking the list again.</summary>
    internal static long EstimateBytes(Mutation mutation)
    {
        long bytes = 32;
        switch (mutation)
        {
            case SetField set:
                bytes += set.Field.Length + SizeOf(set.Value);
                break;
            case AddElement add:
                bytes += add.Field.Length + add.ElementId.Length;
                foreach (var (name, value) in new ElementValues(add.Values))
                {
                    bytes += 16 + name.Length + SizeOf(value);
                }
                break;
            case SetElementField element:
                bytes += element.Field.Length + element.ElementId.Length + element.ElementField.Length + SizeOf(element.Value);
                break;
            case RemoveElement remove:
                bytes += remove.Field.Length + remove.ElementId.Length;
                break;
            case ResolveFlag resolve:
                bytes += resolve.FlagId.Length;
                break;
        }
        return bytes;
    }

    /// <summary>The author's share of <see cref="EstimateAddedBytes(IReadOnlyList{Mutation}, string)"/>: an estimate made
    /// with no author plus this is the estimate with the author (the editor adds it to the validator's).</summary>
    internal static long AuthorBytes(string author) => 3L * author.Length;

    // UTF-8 takes at most 3 bytes per UTF-16 character.
    private static long SizeOf(FieldValue value) => value.Kind switch
    {
        FieldValueKind.String => 3L * value.AsString().Length,
        FieldValueKind.Bytes => value.AsBytes().Length,
        FieldValueKind.Reference => 3L * (value.AsReference().Collection.Length + value.AsReference().Id.Length),
        _ => 16,
    };
}
