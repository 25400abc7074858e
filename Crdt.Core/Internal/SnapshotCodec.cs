using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Internal;

/// <summary>
/// Writes a document's state as a <c>DocumentSnapshot</c> (optionally only what a peer with a
/// given version vector lacks) and merges one back. Merging validates the whole message first
/// and changes nothing when any part is invalid.
/// </summary>
internal static class SnapshotCodec
{
    public static Wire.DocumentSnapshot Encode(DocumentState state, VersionVector? peer)
    {
        bool Wanted(Dot dot) => peer is null || !peer.Covers(dot);

        var snapshot = new Wire.DocumentSnapshot { Collection = state.Key.Collection, Id = state.Key.Id };
        var table = new Dictionary<ReplicaId, uint>();
        Wire.StateDot DotOf(Dot dot)
        {
            if (!table.TryGetValue(dot.Replica, out var index))
            {
                index = (uint)table.Count;
                table.Add(dot.Replica, index);
                snapshot.Replicas.Add(dot.Replica.Value);
            }
            return new Wire.StateDot { Replica = index, Seq = (ulong)dot.Seq };
        }
        var names = new Dictionary<string, uint>(StringComparer.Ordinal);
        uint NameRef(string name)
        {
            if (!names.TryGetValue(name, out var reference))
            {
                snapshot.Names.Add(name);
                reference = (uint)snapshot.Names.Count;
                names.Add(name, reference);
            }
            return reference;
        }
        EncodeRuns(state, Wanted, snapshot);
        foreach (var (name, register) in state.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            EncodeRegister(NameRef(name), register, Wanted, DotOf, snapshot.Fields);
        }
        ElideRepeatedStamps(snapshot.Fields);
        foreach (var (set, elements) in state.Sets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            foreach (var element in elements.Values.OrderBy(e => e.Id, StringComparer.Ordinal))
            {
                var message = new Wire.ElementState { FieldRef = NameRef(set), ElementId = element.Id };
                foreach (var add in element.Adds.Where(a => Wanted(a.Dot)))
                {
                    message.Adds.Add(DotOf(add.Dot));
                }
                foreach (var remove in element.Removes.Where(r => Wanted(r.Dot)))
                {
                    message.Removes.Add(DotOf(remove.Dot));
                }
                foreach (var (name, register) in element.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    EncodeRegister(NameRef(name), register, Wanted, DotOf, message.Fields);
                }
                ElideRepeatedStamps(message.Fields);
                if (message.Adds.Count + message.Removes.Count + message.Fields.Count > 0)
                {
                    snapshot.Elements.Add(message);
                }
            }
        }
        foreach (var (flagId, resolution) in state.Resolutions.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (Wanted(resolution.Causal.Dot))
            {
                snapshot.Resolutions.Add(new Wire.ResolutionRecord
                {
                    FlagId = flagId,
                    Dot = DotOf(resolution.Causal.Dot),
                    Hlc = HlcMessage(resolution.Hlc),
                    Resolution = (Wire.Resolution)(int)resolution.Resolution,
                    Index = (uint)resolution.Index,
                });
            }
        }
        RebaseStamps(snapshot);
        return snapshot;
    }

    /// <summary>Writes every stamp's wall time as an offset from the earliest one (see DocumentSnapshot.hlc_base_ms).</summary>
    private static void RebaseStamps(Wire.DocumentSnapshot snapshot)
    {
        var min = long.MaxValue;
        foreach (var hlc in Stamps(snapshot))
        {
            min = Math.Min(min, hlc.WallMs);
        }
        if (min is <= 0 or long.MaxValue)
        {
            return;
        }
        snapshot.HlcBaseMs = min;
        foreach (var hlc in Stamps(snapshot))
        {
            hlc.WallMs -= min;
        }
    }

    private static IEnumerable<Wire.Hlc> Stamps(Wire.DocumentSnapshot snapshot)
    {
        foreach (var write in snapshot.Fields)
        {
            if (write.Hlc is { } hlc)
            {
                yield return hlc;
            }
        }
        foreach (var element in snapshot.Elements)
        {
            foreach (var write in element.Fields)
            {
                if (write.Hlc is { } hlc)
                {
                    yield return hlc;
                }
            }
        }
        foreach (var resolution in snapshot.Resolutions)
        {
            if (resolution.Hlc is { } hlc)
            {
                yield return hlc;
            }
        }
    }

    private static void EncodeRuns(DocumentState state, Func<Dot, bool> wanted, Wire.DocumentSnapshot snapshot)
    {
        var ops = state.Ops.Records().Where(o => wanted(o.Causal.Dot)).ToList();
        ops.Sort((a, b) => a.Causal.Dot.CompareTo(b.Causal.Dot));
        Wire.OpRun? run = null;
        OpRecord previous = default;
        foreach (var op in ops)
        {
            var causal = op.Causal;
            if (run is not null && previous.Causal.Dot.Replica.Equals(causal.Dot.Replica) && previous.Kind == op.Kind
                && string.Equals(previous.Causal.Author, causal.Author, StringComparison.Ordinal) && previous.Causal.Context.Equals(causal.Context))
            {
                run.SeqDeltas.Add((ulong)(causal.Dot.Seq - previous.Causal.Dot.Seq));
            }
            else
            {
                run = new Wire.OpRun
                {
                    Replica = causal.Dot.Replica.Value,
                    Context = WireConvert.ToMessage(causal.Context),
                    Author = causal.Author,
                    Kind = (Wire.OpRunKind)(int)op.Kind,
                };
                run.SeqDeltas.Add((ulong)causal.Dot.Seq);
                snapshot.Runs.Add(run);
            }
            previous = op;
        }
    }

    private static void EncodeRegister(uint name, Register register, Func<Dot, bool> wanted, Func<Dot, Wire.StateDot> dotOf, Google.Protobuf.Collections.RepeatedField<Wire.RegisterWrite> into)
    {
        if (register.History is { } history)
        {
            foreach (var write in history)
            {
                if (wanted(write.Dot))
                {
                    into.Add(WriteMessage(name, write, dotOf));
                }
            }
        }
        else if (register.HasWinner && wanted(register.Winner.Dot))
        {
            into.Add(WriteMessage(name, register.Winner, dotOf));
        }
    }

    /// <summary>
    /// A write made by the same op as the write before it in the list (an element's initial values,
    /// a document's creation) leaves out dot and hlc: they are inherited from that previous write.
    /// </summary>
    private static void ElideRepeatedStamps(Google.Protobuf.Collections.RepeatedField<Wire.RegisterWrite> writes)
    {
        Wire.StateDot? previousDot = null;
        Wire.Hlc? previousHlc = null;
        foreach (var write in writes)
        {
            var dot = write.Dot;
            var hlc = write.Hlc;
            if (previousDot is not null && previousDot.Equals(dot) && previousHlc is not null && previousHlc.Equals(hlc))
            {
                write.Dot = null;
                write.Hlc = null;
            }
            previousDot = dot;
            previousHlc = hlc;
        }
    }

    private static Wire.RegisterWrite WriteMessage(uint name, in Write write, Func<Dot, Wire.StateDot> dotOf) => new()
    {
        FieldRef = name,
        Dot = dotOf(write.Dot),
        Hlc = HlcMessage(write.Hlc),
        Value = WireConvert.ToMessage(write.Value),
        Index = (uint)write.Index,
    };

    private static Wire.Hlc HlcMessage(Hlc hlc) => new() { WallMs = hlc.WallMs, Counter = (uint)hlc.Counter };

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

    /// <summary>A validated snapshot, ready to merge: nothing here can fail half-way.</summary>
    internal sealed class Parsed
    {
        public required DocumentKey Key { get; init; }
        public required List<Op> Ops { get; init; }
        public required Dictionary<Dot, OpRecord> Records { get; init; }
        public required List<(string Field, Write Write)> Fields { get; init; }
        public required List<(string Set, string Id, List<CausalRecord> Adds, List<CausalRecord> Removes, List<(string Field, Write Write)> Fields)> Elements { get; init; }
        public required List<(string FlagId, ResolutionState Resolution)> Resolutions { get; init; }
        public required Hlc MaxHlc { get; init; }
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

        var records = new Dictionary<Dot, OpRecord>();
        foreach (var run in message.Runs)
        {
            var replica = WireConvert.ReplicaFrom(run.Replica, where + " op run");
            var context = WireConvert.FromMessage(run.Context, where + " op run context");
            if ((int)run.Kind is < 1 or > 3)
            {
                throw new OpDecodeException($"{where}: op run of '{replica}' has unknown kind {(int)run.Kind}");
            }
            long seq = 0;
            foreach (var delta in run.SeqDeltas)
            {
                if (delta == 0 || delta > (ulong)(long.MaxValue - seq))
                {
                    throw new OpDecodeException($"{where}: op run of '{replica}' has an invalid sequence delta {delta}");
                }
                seq += (long)delta;
                var dot = new Dot(replica, seq);
                if (!records.TryAdd(dot, new OpRecord(new CausalRecord(dot, context, run.Author), (OpKind)(int)run.Kind)))
                {
                    throw new OpDecodeException($"{where}: op {dot} appears twice");
                }
            }
        }

        var maxHlc = default(Hlc);
        var replicas = new ReplicaId[message.Replicas.Count];
        for (var i = 0; i < replicas.Length; i++)
        {
            replicas[i] = WireConvert.ReplicaFrom(message.Replicas[i], where + " replica table");
        }
        if (message.HlcBaseMs < 0)
        {
            throw new OpDecodeException($"{where}: negative hlc base {message.HlcBaseMs}");
        }
        string NameOf(string name, uint reference, string what, string? detail = null)
        {
            if (name.Length > 0)
            {
                return name;
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
            return records.TryGetValue(dot, out var record)
                ? record.Causal
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
        (string, Write) WriteOf(Wire.RegisterWrite write, string what, ref Write? previous)
        {
            var field = NameOf(write.Field, write.FieldRef, what);
            CausalRecord causal;
            Hlc hlc;
            if (write.Dot is null && write.Hlc is null)
            {
                // Same op as the previous write of the list (see ElideRepeatedStamps).
                if (previous is not { } before)
                {
                    throw new OpDecodeException($"{where}: {what} '{field}' has no dot and no previous write to take it from");
                }
                causal = before.Causal;
                hlc = before.Hlc;
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
            var result = new Write(causal, hlc, (int)write.Index, WireConvert.FromMessage(write.Value, Where.InSnapshot(key, what, field)));
            previous = result;
            return (field, result);
        }
        List<(string, Write)> WritesOf(Google.Protobuf.Collections.RepeatedField<Wire.RegisterWrite> writes, string what)
        {
            Write? previous = null;
            var list = new List<(string, Write)>(writes.Count);
            foreach (var write in writes)
            {
                list.Add(WriteOf(write, what, ref previous));
            }
            return list;
        }
        List<CausalRecord> CausalsOf(Google.Protobuf.Collections.RepeatedField<Wire.StateDot> dots, string what, Wire.ElementState element)
        {
            var list = new List<CausalRecord>(dots.Count);
            foreach (var dot in dots)
            {
                if (dot is null || dot.Replica >= replicas.Length || dot.Seq == 0 || dot.Seq > long.MaxValue
                    || !records.TryGetValue(new Dot(replicas[dot.Replica], (long)dot.Seq), out var record))
                {
                    // Reported with the element named (formatted only now).
                    list.Add(Causal(dot, $"element '{element.Field}/{element.ElementId}' {what}", element.ElementId));
                    continue;
                }
                list.Add(record.Causal);
            }
            return list;
        }

        var fields = WritesOf(message.Fields, "field");
        var elements = new List<(string, string, List<CausalRecord>, List<CausalRecord>, List<(string, Write)>)>(message.Elements.Count);
        foreach (var element in message.Elements)
        {
            if (string.IsNullOrEmpty(element.ElementId))
            {
                throw new OpDecodeException($"{where}: an element has no id");
            }
            elements.Add((
                NameOf(element.Field, element.FieldRef, "element", element.ElementId),
                element.ElementId,
                CausalsOf(element.Adds, "add", element),
                CausalsOf(element.Removes, "remove", element),
                WritesOf(element.Fields, "element field")));
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
        return new Parsed
        {
            Key = key,
            Ops = ops,
            Records = records,
            Fields = fields,
            Elements = elements,
            Resolutions = resolutions,
            MaxHlc = maxHlc,
        };
    }
}
