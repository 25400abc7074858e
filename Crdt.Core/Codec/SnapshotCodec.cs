using Crdt.Core.Merge;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>
/// Writes a document's state as a <c>DocumentSnapshot</c> (optionally only what a peer with a
/// given version vector lacks; see <see cref="SnapshotEncoder"/>) and reads one back, in the
/// current compact form or the older one (dots, Hlc and FieldValue messages per write). Merging
/// validates the whole message first and changes nothing when any part is invalid.
/// </summary>
internal static class SnapshotCodec
{
    public static Wire.DocumentSnapshot Encode(DocumentState state, VersionVector? peer) => SnapshotEncoder.Encode(state, peer);

    public static Wire.DocumentSnapshot Parse(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return Wire.DocumentSnapshot.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OpDecodeException($"the {bytes.Length} bytes are not a valid DocumentSnapshot message (truncated or malformed protobuf: {e.Message})", e);
        }
    }

    /// <summary>An op run's context from (replica ref, seq) pairs (OpRun.context_refs).</summary>
    private static VersionVector ContextFrom(Google.Protobuf.Collections.RepeatedField<ulong> pairs, ReplicaId[] replicas, string where)
    {
        if (pairs.Count % 2 != 0)
        {
            throw new OpDecodeException($"{where}: an op run's context has an odd number ({pairs.Count}) of replica/sequence numbers");
        }
        var result = new VersionVector();
        for (var i = 0; i < pairs.Count; i += 2)
        {
            var reference = pairs[i];
            var seq = pairs[i + 1];
            if (reference < 1 || reference > (ulong)replicas.Length)
            {
                throw new OpDecodeException($"{where}: an op run's context names entry {reference} of a replica table of {replicas.Length}");
            }
            var replica = replicas[reference - 1];
            if (seq == 0 || seq > long.MaxValue)
            {
                throw new OpDecodeException($"{where}: sequence {seq} of replica '{replica}' in an op run's context is out of range");
            }
            if (result.Get(replica) != 0)
            {
                throw new OpDecodeException($"{where}: replica '{replica}' appears twice in an op run's context");
            }
            result.Observe(replica, (long)seq);
        }
        return result.Freeze();
    }

    /// <summary>A validated snapshot, ready to merge: nothing here can fail half-way.</summary>
    internal sealed class Parsed
    {
        public required DocumentKey Key { get; init; }
        public required List<Op> Ops { get; init; }
        /// <summary>Every op record, each dot once, in the snapshot's order (sorted by dot when the encoder wrote it).</summary>
        public required List<OpRecord> Records { get; init; }
        public required List<(string Field, Write Write)> Fields { get; init; }
        public required List<(string Set, string Id, List<CausalRecord> Adds, List<CausalRecord> Removes, List<(string Field, Write Write)> Fields)> Elements { get; init; }
        public required List<(string FlagId, ResolutionState Resolution)> Resolutions { get; init; }
        public required Hlc MaxHlc { get; init; }
        /// <summary>The compacted base the snapshot stands for (null when the document was never compacted).</summary>
        public VersionVector? Base { get; init; }
        /// <summary>With a base in a delta: the peer version it was computed for (ops the peer keeps its own copy of).</summary>
        public VersionVector? DeltaPeer { get; init; }
    }

    public static Parsed Validate(Wire.DocumentSnapshot message)
    {
        var where = $"snapshot of {message.Collection}/{message.Id}";
        if (!DocumentKey.IsValid(message.Collection, message.Id, out var reason))
        {
            throw new OpDecodeException($"{where}: invalid document key ({reason})");
        }
        var key = new DocumentKey(message.Collection, message.Id);
        var ops = new List<Op>();
        foreach (var op in message.Ops)
        {
            var decoded = OpCodec.FromMessage(op);
            if (!decoded.Document.Equals(key))
            {
                throw new OpDecodeException($"{where}: op {decoded.Dot} is for another document ({decoded.Document})");
            }
            ops.Add(decoded);
        }

        var replicas = new ReplicaId[message.Replicas.Count];
        for (var i = 0; i < replicas.Length; i++)
        {
            replicas[i] = WireConvert.ReplicaFrom(message.Replicas[i], where + " replica table");
        }
        ReplicaId ReplicaRef(ulong reference, string what) => reference >= 1 && reference <= (ulong)replicas.Length
            ? replicas[reference - 1]
            : throw new OpDecodeException($"{where}: {what} names entry {reference} of a replica table of {replicas.Length}");

        // Rice-coded sequence lists are decoded first, so the record table is sized once.
        var riceCoded = new List<ulong>?[message.Runs.Count];
        var opCount = 0;
        for (var i = 0; i < riceCoded.Length; i++)
        {
            var run = message.Runs[i];
            if (!run.SeqRice.IsEmpty)
            {
                riceCoded[i] = RiceCode.Decode(run.SeqRice.Span, (int)Math.Min(run.SeqRiceK, int.MaxValue))
                    ?? throw new OpDecodeException($"{where}: an op run has a malformed Rice-coded sequence list (k {run.SeqRiceK})");
            }
            opCount += run.SeqDeltas.Count + (riceCoded[i]?.Count ?? 0);
        }
        // The records in the order op_ref counts them (runs in order, each run's sequences in order).
        var ordered = new List<OpRecord>(opCount);
        // Dots are unique when each replica's runs come in ascending, non-overlapping order (as the
        // encoder writes them; a run's own sequences always ascend): only otherwise is a set of every dot built.
        var highestSeq = new Dictionary<ReplicaId, long>();
        var mayRepeat = false;
        for (var runIndex = 0; runIndex < riceCoded.Length; runIndex++)
        {
            var run = message.Runs[runIndex];
            var replica = run.Replica.Length > 0 ? WireConvert.ReplicaFrom(run.Replica, where + " op run") : ReplicaRef(run.ReplicaRef, "an op run");
            var context = run.Context is null && run.ContextRefs.Count > 0
                ? ContextFrom(run.ContextRefs, replicas, where)
                : WireConvert.FromMessage(run.Context, where + " op run context");
            var author = run.Author.Length > 0 || run.AuthorRef == 0 ? run.Author : NameAt(run.AuthorRef, "the author of an op run");
            if ((int)run.Kind is < 1 or > 3)
            {
                throw new OpDecodeException($"{where}: op run of '{replica}' has unknown kind {(int)run.Kind}");
            }
            long seq = 0;
            var kind = (OpKind)(int)run.Kind;
            void AddSeq(ulong delta)
            {
                if (delta == 0 || delta > (ulong)(long.MaxValue - seq))
                {
                    throw new OpDecodeException($"{where}: op run of '{replica}' has an invalid sequence delta {delta}");
                }
                seq += (long)delta;
                var dot = new Dot(replica, seq);
                ordered.Add(new OpRecord(new CausalRecord(dot, context, author), kind));
            }
            var firstIndex = ordered.Count;
            foreach (var delta in run.SeqDeltas)
            {
                AddSeq(delta);
            }
            if (riceCoded[runIndex] is { } coded)
            {
                foreach (var delta in coded)
                {
                    AddSeq(delta);
                }
            }
            if (ordered.Count > firstIndex)
            {
                var first = ordered[firstIndex].Causal.Dot.Seq;
                if (highestSeq.TryGetValue(replica, out var highest) && first <= highest)
                {
                    mayRepeat = true;
                }
                highestSeq[replica] = Math.Max(highest, seq);
            }
        }
        if (mayRepeat)
        {
            var seen = new HashSet<Dot>(ordered.Count);
            foreach (var record in ordered)
            {
                if (!seen.Add(record.Causal.Dot))
                {
                    throw new OpDecodeException($"{where}: op {record.Causal.Dot} appears twice");
                }
            }
        }
        // Dot -> record, for the older form's StateDots (and resolutions): built on first use only.
        Dictionary<Dot, CausalRecord>? byDot = null;
        bool TryRecord(Dot dot, out CausalRecord record)
        {
            if (byDot is null)
            {
                byDot = new Dictionary<Dot, CausalRecord>(ordered.Count);
                foreach (var op in ordered)
                {
                    byDot[op.Causal.Dot] = op.Causal;
                }
            }
            return byDot.TryGetValue(dot, out record);
        }

        var maxHlc = default(Hlc);
        if (message.HlcBaseMs < 0)
        {
            throw new OpDecodeException($"{where}: negative hlc base {message.HlcBaseMs}");
        }
        if (message.StampShift > 16)
        {
            throw new OpDecodeException($"{where}: stamp shift {message.StampShift} is above 16 (the counter has 16 bits)");
        }
        var shift = (int)message.StampShift;
        CausalRecord OpAt(ulong reference, string what, string name) => reference >= 1 && reference <= (ulong)ordered.Count
            ? ordered[(int)reference - 1].Causal
            : throw new OpDecodeException($"{where}: {what} '{name}' names op record {reference} of {ordered.Count}");
        Hlc StampOf(ulong stamp, Dot dot, string what, string name)
        {
            var offset = stamp >> shift;
            if (offset > (ulong)(long.MaxValue - message.HlcBaseMs))
            {
                throw new OpDecodeException($"{where}: {what} '{name}' has a stamp {stamp} out of range");
            }
            var result = new Hlc(message.HlcBaseMs + (long)offset, (int)(stamp & ((1UL << shift) - 1)), dot.Replica);
            if (result > maxHlc)
            {
                maxHlc = result;
            }
            return result;
        }
        string NameAt(uint reference, string what) => reference >= 1 && reference <= (uint)message.Names.Count && message.Names[(int)reference - 1].Length > 0
            ? message.Names[(int)reference - 1]
            : throw new OpDecodeException($"{where}: {what} names entry {reference} of a name table of {message.Names.Count}");
        string NameOf(string name, uint reference, uint known, string what, string? detail = null)
        {
            if (name.Length > 0)
            {
                return name;
            }
            if (reference == 0 && known > 0)
            {
                return KnownNames.NameAt(known)
                    ?? throw new OpDecodeException($"{where}: {what}{(detail is null ? "" : $" '{detail}'")} names entry {known} of the built-in name table of {KnownNames.Table.Count}");
            }
            if (reference == 0)
            {
                throw new OpDecodeException($"{where}: {what}{(detail is null ? "" : $" '{detail}'")} has no field name");
            }
            return reference <= (uint)message.Names.Count && message.Names[(int)reference - 1].Length > 0
                ? message.Names[(int)reference - 1]
                : throw new OpDecodeException($"{where}: {what}{(detail is null ? "" : $" '{detail}'")} names entry {reference} of a name table of {message.Names.Count}");
        }
        // Descriptions of the part being read are formatted only when an error is thrown.
        CausalRecord Causal(Wire.StateDot? dotMessage, string what, string name)
        {
            if (dotMessage is null || dotMessage.Replica >= replicas.Length || dotMessage.Seq == 0 || dotMessage.Seq > long.MaxValue)
            {
                throw new OpDecodeException($"{where}: {what} '{name}' has a missing or invalid dot (replica index or sequence out of range)");
            }
            var dot = new Dot(replicas[dotMessage.Replica], (long)dotMessage.Seq);
            return TryRecord(dot, out var record)
                ? record
                : throw new OpDecodeException($"{where}: {what} '{name}' names op {dot}, which is in none of the snapshot's op runs");
        }
        Hlc HlcOf(Wire.Hlc? hlc, Dot dot, string what, string name)
        {
            if (hlc is null || hlc.Counter > Hlc.MaxCounter)
            {
                throw new OpDecodeException($"{where}: {what} '{name}' has a missing or invalid hlc");
            }
            var wall = hlc.WallMs;
            if (message.HlcBaseMs > 0)
            {
                if (wall < 0 || wall > long.MaxValue - message.HlcBaseMs)
                {
                    throw new OpDecodeException($"{where}: {what} '{name}' has an hlc offset {wall} out of range");
                }
                wall += message.HlcBaseMs;
            }
            var result = new Hlc(wall, (int)hlc.Counter, dot.Replica);
            if (result > maxHlc)
            {
                maxHlc = result;
            }
            return result;
        }
        (string, Write) WriteOf(Wire.RegisterWrite write, string what, ref Write? previous, CausalRecord? firstAdd)
        {
            var field = NameOf(write.Field, write.FieldRef, write.KnownField, what);
            CausalRecord causal;
            Hlc hlc;
            if (write.OpRef > 0)
            {
                causal = OpAt(write.OpRef, what, field);
                hlc = write.Hlc is null ? StampOf(write.Stamp, causal.Dot, what, field) : HlcOf(write.Hlc, causal.Dot, what, field);
            }
            else if (write.Dot is null && write.Hlc is null)
            {
                if (previous is { } before)
                {
                    // Same op as the previous write of the list.
                    causal = before.Causal;
                    hlc = before.Hlc;
                }
                else if (firstAdd is { } add)
                {
                    // An element's first write made by the op that added the element: only its stamp is written.
                    causal = add;
                    hlc = StampOf(write.Stamp, add.Dot, what, field);
                }
                else
                {
                    throw new OpDecodeException($"{where}: {what} '{field}' has no dot and no previous write to take it from");
                }
            }
            else
            {
                causal = Causal(write.Dot, what, field);
                hlc = HlcOf(write.Hlc, causal.Dot, what, field);
            }
            if (write.Index > int.MaxValue)
            {
                throw new OpDecodeException($"{where}: {what} '{field}' has an invalid index");
            }
            var value = write.InlineValueCase switch
            {
                Wire.RegisterWrite.InlineValueOneofCase.StringValue => FieldValue.String(write.StringValue),
                Wire.RegisterWrite.InlineValueOneofCase.DecimalValue => WireConvert.DecimalFrom(write.DecimalValue, Where.InSnapshot(key, what, field)),
                Wire.RegisterWrite.InlineValueOneofCase.IntegerValue => FieldValue.Integer(write.IntegerValue),
                _ => WireConvert.FromMessage(write.Value, Where.InSnapshot(key, what, field)),
            };
            var result = new Write(causal, hlc, (int)write.Index, value);
            previous = result;
            return (field, result);
        }
        List<(string, Write)> WritesOf(Google.Protobuf.Collections.RepeatedField<Wire.RegisterWrite> writes, string what, CausalRecord? firstAdd)
        {
            Write? previous = null;
            var list = new List<(string, Write)>(writes.Count);
            foreach (var write in writes)
            {
                list.Add(WriteOf(write, what, ref previous, firstAdd));
            }
            return list;
        }
        List<CausalRecord> CausalsOf(Google.Protobuf.Collections.RepeatedField<Wire.StateDot> dots, Google.Protobuf.Collections.RepeatedField<uint> refs, string what, Wire.ElementState element)
        {
            var list = new List<CausalRecord>(dots.Count + refs.Count);
            foreach (var reference in refs)
            {
                list.Add(OpAt(reference, $"element {what}", element.ElementId));
            }
            foreach (var dot in dots)
            {
                if (dot is null || dot.Replica >= replicas.Length || dot.Seq == 0 || dot.Seq > long.MaxValue
                    || !TryRecord(new Dot(replicas[dot.Replica], (long)dot.Seq), out var record))
                {
                    // Reported with the element named (formatted only now).
                    list.Add(Causal(dot, $"element '{element.Field}/{element.ElementId}' {what}", element.ElementId));
                    continue;
                }
                list.Add(record);
            }
            return list;
        }

        string NameFromCode(uint code, Wire.ElementState element) => (code & 1) == 0
            ? NameOf("", 0, code / 2, "element record field", element.ElementId)
            : NameOf("", code / 2, 0, "element record field", element.ElementId);
        void AddRecordWrites(Wire.ElementState element, CausalRecord? firstAdd, List<(string, Write)> into)
        {
            var count = element.RecordStringNames.Count + element.RecordDecimalNames.Count + element.RecordIntegerNames.Count;
            if (count == 0)
            {
                return;
            }
            if (firstAdd is not { } add)
            {
                throw new OpDecodeException($"{where}: element '{element.ElementId}' has record values but no add_refs to take their op from");
            }
            if (element.RecordStringNames.Count != element.RecordStrings.Count || element.RecordDecimalNames.Count != element.RecordDecimals.Count
                || element.RecordIntegerNames.Count != element.RecordIntegers.Count || element.RecordIndex > int.MaxValue)
            {
                throw new OpDecodeException($"{where}: element '{element.ElementId}' has record columns of unequal lengths or an invalid index");
            }
            var hlc = StampOf(element.RecordStamp, add.Dot, "element record of", element.ElementId);
            var index = (int)element.RecordIndex;
            for (var i = 0; i < element.RecordStrings.Count; i++)
            {
                into.Add((NameFromCode(element.RecordStringNames[i], element), new Write(add, hlc, index, FieldValue.String(element.RecordStrings[i]))));
            }
            for (var i = 0; i < element.RecordDecimals.Count; i++)
            {
                var name = NameFromCode(element.RecordDecimalNames[i], element);
                into.Add((name, new Write(add, hlc, index, WireConvert.DecimalFrom(element.RecordDecimals[i], Where.InSnapshot(key, "element field", name)))));
            }
            for (var i = 0; i < element.RecordIntegers.Count; i++)
            {
                into.Add((NameFromCode(element.RecordIntegerNames[i], element), new Write(add, hlc, index, FieldValue.Integer(element.RecordIntegers[i]))));
            }
        }

        var fields = WritesOf(message.Fields, "field", null);
        var elements = new List<(string, string, List<CausalRecord>, List<CausalRecord>, List<(string, Write)>)>(message.Elements.Count);
        foreach (var element in message.Elements)
        {
            if (string.IsNullOrEmpty(element.ElementId))
            {
                throw new OpDecodeException($"{where}: an element has no id");
            }
            var adds = CausalsOf(element.Adds, element.AddRefs, "add", element);
            var writes = WritesOf(element.Fields, "element field", element.AddRefs.Count > 0 ? adds[0] : null);
            AddRecordWrites(element, element.AddRefs.Count > 0 ? adds[0] : null, writes);
            elements.Add((
                NameOf(element.Field, element.FieldRef, element.KnownField, "element", element.ElementId),
                element.ElementId,
                adds,
                CausalsOf(element.Removes, element.RemoveRefs, "remove", element),
                writes));
        }
        var resolutions = new List<(string, ResolutionState)>();
        foreach (var resolution in message.Resolutions)
        {
            if (string.IsNullOrEmpty(resolution.FlagId) || (int)resolution.Resolution is < 1 or > 4)
            {
                throw new OpDecodeException($"{where}: a resolution has no flag id or an unknown resolution {(int)resolution.Resolution}");
            }
            var causal = Causal(resolution.Dot, "resolution of", resolution.FlagId);
            var hlc = HlcOf(resolution.Hlc, causal.Dot, "resolution of", resolution.FlagId);
            if (resolution.Index > int.MaxValue)
            {
                throw new OpDecodeException($"{where}: the resolution of '{resolution.FlagId}' has an invalid index");
            }
            resolutions.Add((resolution.FlagId, new ResolutionState(causal, hlc, (int)resolution.Index, (Resolution)(int)resolution.Resolution)));
        }
        VersionVector? compactedBase = null;
        VersionVector? deltaPeer = null;
        if (message.CompactedBase is { Entries.Count: > 0 })
        {
            compactedBase = WireConvert.FromMessage(message.CompactedBase, Where.InSnapshot(key, "compacted base", "-"));
            deltaPeer = message.DeltaPeerVersion is { Entries.Count: > 0 } ? WireConvert.FromMessage(message.DeltaPeerVersion, Where.InSnapshot(key, "delta peer version", "-")) : null;
            if (message.CompactedMaxHlc is { } baseHlc)
            {
                if (baseHlc.Counter > Hlc.MaxCounter || baseHlc.WallMs < 0)
                {
                    throw new OpDecodeException($"{where}: the compacted base's newest hlc is out of range");
                }
                var stamp = new Hlc(baseHlc.WallMs, (int)baseHlc.Counter, baseHlc.Replica.Length > 0 ? WireConvert.ReplicaFrom(baseHlc.Replica, where + " compacted base hlc") : default);
                if (stamp > maxHlc)
                {
                    maxHlc = stamp;
                }
            }
        }
        return new Parsed
        {
            Base = compactedBase,
            DeltaPeer = deltaPeer,
            Key = key,
            Ops = ops,
            Records = ordered,
            Fields = fields,
            Elements = elements,
            Resolutions = resolutions,
            MaxHlc = maxHlc,
        };
    }
}
