using Google.Protobuf.Collections;
using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

/// <summary>
/// The fields of one <c>DocumentSnapshot</c> message as <see cref="SnapshotReader"/> reads them: the
/// packed number columns as <see cref="Column{T}"/>s and the string pool's bytes as memory, the nested
/// messages (op runs, writes, elements, resolutions, vectors) as the generated types. Filled straight
/// from the bytes by <see cref="SnapshotWireReader"/> (no DocumentSnapshot object, no empty repeated
/// field per absent column), or from a message already parsed by <see cref="FromWire"/>.
/// </summary>
internal sealed class SnapshotParts
{
    public string Collection { get; set; } = "";
    public string Id { get; set; } = "";
    public RepeatedField<Wire.Op> Ops { get; set; } = s_noOps;
    public RepeatedField<Wire.OpRun> Runs { get; set; } = s_noRuns;
    public RepeatedField<Wire.RegisterWrite> Fields { get; set; } = s_noWrites;
    public RepeatedField<Wire.ElementState> Elements { get; set; } = s_noElements;
    public RepeatedField<Wire.ResolutionRecord> Resolutions { get; set; } = s_noResolutions;
    public RepeatedField<string> Replicas { get; set; } = s_noStrings;
    public RepeatedField<string> Names { get; set; } = s_noStrings;
    public long HlcBaseMs { get; set; }
    public uint StampShift { get; set; }
    public Wire.VersionVector? CompactedBase { get; set; }
    public Wire.Hlc? CompactedMaxHlc { get; set; }
    public Wire.VersionVector? DeltaPeerVersion { get; set; }
    public Column<uint> WriteNames { get; set; }
    public Column<uint> WriteOps { get; set; }
    public Column<ulong> WriteStamps { get; set; }
    public Column<uint> WriteIndexes { get; set; }
    public Column<uint> WriteKinds { get; set; }
    public Column<long> WriteIntegers { get; set; }
    public Column<uint> StringLengths { get; set; }
    public ReadOnlyMemory<byte> StringBytes { get; set; }
    public Column<uint> ElementShapes { get; set; }
    public Column<uint> ElementShapeRefs { get; set; }
    public Column<uint> ElementAdds { get; set; }
    public Column<ulong> ElementStamps { get; set; }
    public Column<uint> ElementIndexes { get; set; }
    public Column<long> ElementIntegers { get; set; }

    // Shared empty lists for absent sections: the reader only reads them.
    private static readonly RepeatedField<Wire.Op> s_noOps = [];
    private static readonly RepeatedField<Wire.OpRun> s_noRuns = [];
    private static readonly RepeatedField<Wire.RegisterWrite> s_noWrites = [];
    private static readonly RepeatedField<Wire.ElementState> s_noElements = [];
    private static readonly RepeatedField<Wire.ResolutionRecord> s_noResolutions = [];
    private static readonly RepeatedField<string> s_noStrings = [];

    /// <summary>The parts of a message parsed by the generated parser (nested messages shared, columns copied).</summary>
    public static SnapshotParts FromWire(Wire.DocumentSnapshot message) => new()
    {
        Collection = message.Collection,
        Id = message.Id,
        Ops = message.Ops,
        Runs = message.Runs,
        Fields = message.Fields,
        Elements = message.Elements,
        Resolutions = message.Resolutions,
        Replicas = message.Replicas,
        Names = message.Names,
        HlcBaseMs = message.HlcBaseMs,
        StampShift = message.StampShift,
        CompactedBase = message.CompactedBase,
        CompactedMaxHlc = message.CompactedMaxHlc,
        DeltaPeerVersion = message.DeltaPeerVersion,
        WriteNames = Column<uint>.From(message.WriteNames),
        WriteOps = Column<uint>.From(message.WriteOps),
        WriteStamps = Column<ulong>.From(message.WriteStamps),
        WriteIndexes = Column<uint>.From(message.WriteIndexes),
        WriteKinds = Column<uint>.From(message.WriteKinds),
        WriteIntegers = Column<long>.From(message.WriteIntegers),
        StringLengths = Column<uint>.From(message.StringLengths),
        StringBytes = message.StringBytes.Memory,
        ElementShapes = Column<uint>.From(message.ElementShapes),
        ElementShapeRefs = Column<uint>.From(message.ElementShapeRefs),
        ElementAdds = Column<uint>.From(message.ElementAdds),
        ElementStamps = Column<ulong>.From(message.ElementStamps),
        ElementIndexes = Column<uint>.From(message.ElementIndexes),
        ElementIntegers = Column<long>.From(message.ElementIntegers),
    };
}
