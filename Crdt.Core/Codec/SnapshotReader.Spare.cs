using Crdt.Core.Merge;

namespace Crdt.Core.Codec;

internal sealed partial class SnapshotReader
{
    /// <summary>
    /// The lists one snapshot read fills (op records, Rice-coded sequences, writes, elements and their
    /// adds), kept per thread for snapshots merged straight from their bytes: such a read's lists are dead
    /// once the merge has copied what it keeps into the document's state, so the thread's next read
    /// fills them again. Loading 1,000 stored documents allocated about 10 KB of such lists per document,
    /// which pushed the load past the garbage collector's first-generation budget: a collection in the
    /// middle of a load copies all of the state loaded so far. Taken with <see cref="Take"/>, handed back
    /// (emptied) with <see cref="Return"/>; a read that never hands it back just leaves the next read a new one.
    /// </summary>
    internal sealed class Spare
    {
        // Lists whose array grew past these are not kept: one huge snapshot must not pin its lists to a thread.
        private const int MaxKeptRecords = 1 << 16;
        private const int MaxKeptLists = 1 << 12;

        [ThreadStatic]
        private static Spare? s_free;

        private List<OpRecord> _records = [];
        private readonly List<ulong> _rice = [];
        private readonly List<(string, string, List<CausalRecord>, List<CausalRecord>, List<(string, Write)>)> _elements = [];
        private readonly List<List<(string, Write)>> _writes = [];
        private int _writesTaken;
        private readonly List<List<CausalRecord>> _adds = [];
        private int _addsTaken;

        /// <summary>The thread's spare (a new one when it has none, or when its spare is in use by a read not yet merged).</summary>
        public static Spare Take()
        {
            var spare = s_free ?? new Spare();
            s_free = null;
            return spare;
        }

        /// <summary>Empties every list handed out (so they hold no references to the merged state) and keeps the spare for the thread's next read.</summary>
        public void Return()
        {
            if (_records.Capacity > MaxKeptRecords)
            {
                _records = [];
            }
            _records.Clear();
            _rice.Clear();
            _elements.Clear();
            for (var i = 0; i < _writesTaken; i++)
            {
                _writes[i].Clear();
            }
            for (var i = 0; i < _addsTaken; i++)
            {
                _adds[i].Clear();
            }
            _writesTaken = 0;
            _addsTaken = 0;
            if (_writes.Count > MaxKeptLists)
            {
                _writes.RemoveRange(MaxKeptLists, _writes.Count - MaxKeptLists);
            }
            if (_adds.Count > MaxKeptLists)
            {
                _adds.RemoveRange(MaxKeptLists, _adds.Count - MaxKeptLists);
            }
            s_free = this;
        }

        public List<OpRecord> Records(int capacity)
        {
            _records.EnsureCapacity(capacity);
            return _records;
        }

        public List<ulong> RiceValues() => _rice;

        public List<(string, string, List<CausalRecord>, List<CausalRecord>, List<(string, Write)>)> Elements(int capacity)
        {
            _elements.EnsureCapacity(capacity);
            return _elements;
        }

        /// <summary>An empty list for writes (a document's top-level writes, or one element's).</summary>
        public List<(string, Write)> Writes(int capacity)
        {
            if (_writesTaken == _writes.Count)
            {
                _writes.Add(new List<(string, Write)>(capacity));
            }
            var list = _writes[_writesTaken++];
            list.EnsureCapacity(capacity);
            return list;
        }

        /// <summary>A list holding just <paramref name="add"/> (a column element's one addition).</summary>
        public List<CausalRecord> Adds(in CausalRecord add)
        {
            if (_addsTaken == _adds.Count)
            {
                _adds.Add(new List<CausalRecord>(1));
            }
            var list = _adds[_addsTaken++];
            list.Add(add);
            return list;
        }
    }
}
