using Wire = Crdt.Core.Wire;

namespace Crdt.Core.Codec;

internal sealed partial class SnapshotEncoder
{
    /// <summary>
    /// One element while the encoder writes it, in plain lists reused from element to element: most elements go
    /// into the element columns (read straight from here), and only the others become an ElementState message
    /// (before, every element was first gathered in a scratch message's repeated fields and read back from them).
    /// </summary>
    private sealed class ElementRecord
    {
        public List<uint> AddRefs { get; } = [];
        public List<uint> RemoveRefs { get; } = [];
        public List<Wire.RegisterWrite> Fields { get; } = [];
        // The record columns: names (coded as in NameCode) and values of the writes made by the first add.
        public List<uint> StringNames { get; } = [];
        public List<uint> DecimalNames { get; } = [];
        public List<string> Decimals { get; } = [];
        public List<uint> IntegerNames { get; } = [];
        public List<long> Integers { get; } = [];
        public uint Index { get; set; }

        public void Clear()
        {
            AddRefs.Clear();
            RemoveRefs.Clear();
            Fields.Clear();
            StringNames.Clear();
            DecimalNames.Clear();
            Decimals.Clear();
            IntegerNames.Clear();
            Integers.Clear();
            Index = 0;
        }

        /// <summary>The element as an ElementState message of the set <paramref name="set"/> (record_stamp is filled in by Stamp).</summary>
        public Wire.ElementState ToMessage((uint Known, uint Ref) set)
        {
            var message = new Wire.ElementState { KnownField = set.Known, FieldRef = set.Ref, RecordIndex = Index };
            message.AddRefs.AddRange(AddRefs);
            message.RemoveRefs.AddRange(RemoveRefs);
            message.Fields.AddRange(Fields);
            message.RecordStringNames.AddRange(StringNames);
            message.RecordDecimalNames.AddRange(DecimalNames);
            message.RecordDecimals.AddRange(Decimals);
            message.RecordIntegerNames.AddRange(IntegerNames);
            message.RecordIntegers.AddRange(Integers);
            return message;
        }
    }
}
