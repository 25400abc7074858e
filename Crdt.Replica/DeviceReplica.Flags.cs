using Crdt.Core;

namespace Crdt.Replica;

public sealed partial class DeviceReplica
{
    /// <summary>The flags inbox: open flags (and resolved ones when asked), by document then id.</summary>
    public IReadOnlyList<Flag> Flags(bool includeResolved = false) => Locked(() =>
    {
        var keys = _store.Flags().Select(row => new DocumentKey(row.Collection, row.DocId)).Distinct().ToList();
        foreach (var key in keys)
        {
            _memory.Load(key);
        }
        return keys.SelectMany(key => _memory.Set.Flags(key))
            .Where(flag => includeResolved || flag.State == FlagState.Open)
            .ToList();
    });

    /// <summary>A flag by id, or null when no document here has it.</summary>
    public Flag? FindFlag(string flagId) => Locked(() => LoadFlag(flagId));

    /// <summary>
    /// Resolves a flag (WorkOnClosedOrder: accept or discard; ConcurrentEdit and EditOnDeleted:
    /// keep-mine or keep-theirs). The resolution is an op: durable when this returns, and synced
    /// like any edit, so every replica ends up showing the same outcome.
    /// </summary>
    public async Task<Flag> ResolveFlagAsync(string flagId, Resolution resolution, CancellationToken cancellationToken = default)
    {
        var (flag, newFlags) = await LockedAsync(() =>
        {
            var found = LoadFlag(flagId) ?? throw new ValidationException(default, null, $"there is no flag '{flagId}' on this device");
            var author = _currentUser ?? string.Empty;
            var wall = WallMs;
            var (_, raised) = CommitLocal([(found.Document, e => e.Resolve(flagId, resolution, author, wall))]);
            return (_memory.Set.FindFlag(flagId)!, raised);
        }, cancellationToken).ConfigureAwait(false);
        AfterLocalCommit([flag.Document], newFlags);
        return flag;
    }

    private Flag? LoadFlag(string flagId)
    {
        var row = _store.Flags().FirstOrDefault(f => f.FlagId == flagId);
        if (row is null)
        {
            return null;
        }
        _memory.Load(new DocumentKey(row.Collection, row.DocId));
        return _memory.Set.FindFlag(flagId);
    }
}
