using Crdt.Core.Merge;

namespace Crdt.Core;

/// <summary>
/// The documents' states by key again, beside <see cref="DocumentSet"/>'s dictionary (which stays their home
/// for enumeration and every read): an open-addressing table for the per-op lookup of the edit and apply
/// paths. <c>Dictionary&lt;DocumentKey, DocumentState&gt;</c> runs code shared over its reference-type
/// values, which looks up the key's comparer through the runtime's generic dictionary and calls
/// <see cref="DocumentKey.Equals(DocumentKey)"/> through it on every lookup (~300 instructions per local
/// edit under callgrind); here the key's cached hash is compared inline. Documents are only ever added to
/// a set, never removed, so the table needs no deletion.
/// </summary>
internal sealed class DocumentIndex
{
    // Slot i holds a state and its key's hash; an empty slot has a null state. Kept at most half full.
    private DocumentState?[] _states = new DocumentState?[16];
    private int[] _hashes = new int[16];
    private int _count;

    /// <summary>The state of <paramref name="key"/>, or null when the set holds no op of it.</summary>
    public DocumentState? Find(in DocumentKey key)
    {
        var states = _states;
        var hashes = _hashes;
        var hash = key.GetHashCode();
        var mask = states.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var state = states[i];
            if (state is null)
            {
                return null;
            }
            if (hashes[i] == hash && state.Key.Equals(key))
            {
                return state;
            }
        }
    }

    /// <summary>Adds a state whose key is not in the index yet.</summary>
    public void Add(DocumentState state)
    {
        if ((_count + 1) * 2 > _states.Length)
        {
            Grow();
        }
        Insert(_states, _hashes, state);
        _count++;
    }

    private void Grow()
    {
        var states = new DocumentState?[_states.Length * 2];
        var hashes = new int[states.Length];
        foreach (var state in _states)
        {
            if (state is not null)
            {
                Insert(states, hashes, state);
            }
        }
        (_states, _hashes) = (states, hashes);
    }

    private static void Insert(DocumentState?[] states, int[] hashes, DocumentState state)
    {
        var hash = state.Key.GetHashCode();
        var mask = states.Length - 1;
        var i = hash & mask;
        while (states[i] is not null)
        {
            i = (i + 1) & mask;
        }
        states[i] = state;
        hashes[i] = hash;
    }
}
