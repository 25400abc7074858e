using Crdt.Core;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Sync;

/// <summary>A document's read model with its version (the log position of its last op).</summary>
internal readonly record struct VersionedView(DocumentView View, long Version);

/// <summary>A watched document that changed: its new view, or null when it left the watcher's scope.</summary>
internal readonly record struct WatchChange(DocumentKey Key, VersionedView? Document);

/// <summary>
/// What readers ask of a tenant, each answered under the tenant's gate: the Documents service's
/// reads, the start of a pull or subscription and the snapshots it sends, the facts a subscriber's
/// routing needs. A document outside the reader's scope is refused PERMISSION_DENIED before
/// anything about it is looked at, so a technician learns nothing, not even whether it exists.
/// Views and snapshots handed out are immutable, so callers turn them into wire messages outside the gate.
/// </summary>
internal sealed partial class TenantState
{
    /// <summary>The document as the reader sees it, null when it does not exist.</summary>
    public VersionedView? ReadDocument(DocumentKey key, ScopedReader reader)
    {
        lock (_gate)
        {
            RequireReadable(reader, key);
            return Documents.Get(key) is { } view ? new VersionedView(view, VersionOf(key)) : null;
        }
    }

    /// <summary>The document's view now (it must exist: the caller just wrote it).</summary>
    public VersionedView ViewOf(DocumentKey key)
    {
        lock (_gate)
        {
            return new VersionedView(Documents.View(key), VersionOf(key));
        }
    }

    /// <summary>Up to <paramref name="take"/> documents of a collection with ids after
    /// <paramref name="afterId"/>, in id order, that the reader sees and <paramref name="matches"/> accepts.</summary>
    public List<VersionedView> QueryDocuments(string collection, string afterId, ScopedReader reader, Func<DocumentView, bool> matches, int take)
    {
        var found = new List<VersionedView>();
        lock (_gate)
        {
            var keys = Documents.Keys
                .Where(k => k.Collection == collection && string.CompareOrdinal(k.Id, afterId) > 0)
                .OrderBy(k => k.Id, StringComparer.Ordinal);
            foreach (var key in keys)
            {
                if (found.Count == take)
                {
                    break;
                }

                if (!reader.CanRead(key))
                {
                    continue;
                }

                var view = Documents.Get(key)!;
                if (matches(view))
                {
                    found.Add(new VersionedView(view, VersionOf(key)));
                }
            }
        }
        return found;
    }

    /// <summary>The flags the reader sees, of one document (refused when outside its scope) or of all.</summary>
    public List<Flag> VisibleFlags(DocumentKey? only, ScopedReader reader, bool includeResolved)
    {
        var visible = new List<Flag>();
        lock (_gate)
        {
            if (only is { } key)
            {
                RequireReadable(reader, key);
            }

            var flags = only is { } one ? Documents.Flags(one) : Documents.AllFlags();
            foreach (var flag in flags)
            {
                if (!includeResolved && flag.State != FlagState.Open)
                {
                    continue;
                }

                if (!reader.CanRead(flag.Document))
                {
                    continue;
                }

                visible.Add(flag);
            }
        }
        return visible;
    }

    /// <summary>One flag of a document the reader sees, null when the document has no such flag.</summary>
    public Flag? FindFlag(DocumentKey key, string flagId, ScopedReader reader)
    {
        lock (_gate)
        {
            RequireReadable(reader, key);
            return Documents.Flags(key).FirstOrDefault(f => f.Id == flagId);
        }
    }

    /// <summary>A flag (which must exist) and its document's view, read together.</summary>
    public (Flag Flag, VersionedView Document) FlagWithDocument(DocumentKey key, string flagId)
    {
        lock (_gate)
        {
            return (Documents.Flags(key).First(f => f.Id == flagId), new VersionedView(Documents.View(key), VersionOf(key)));
        }
    }

    /// <summary>
    /// The start of a watch: the commit it follows from, and the existing documents it covers that the
    /// reader sees (<paramref name="keys"/> when named, else every document <paramref name="watched"/>
    /// accepts), with their views when <paramref name="withViews"/>. A named document outside the scope is refused.
    /// </summary>
    public (CommitNode From, List<DocumentKey> Visible, List<VersionedView> Views) StartWatch(
        IReadOnlyCollection<DocumentKey> keys, Func<DocumentKey, bool> watched, ScopedReader reader, bool withViews)
    {
        var visible = new List<DocumentKey>();
        var views = new List<VersionedView>();
        lock (_gate)
        {
            foreach (var key in keys)
            {
                RequireReadable(reader, key);
            }

            foreach (var key in keys.Count > 0 ? keys : Documents.Keys.Where(watched))
            {
                if (!Documents.Exists(key) || !reader.CanRead(key))
                {
                    continue;
                }

                visible.Add(key);
                if (withViews)
                {
                    views.Add(new VersionedView(Documents.View(key), VersionOf(key)));
                }
            }
            return (Latest, visible, views);
        }
    }

    /// <summary>What a commit changed for a watcher: the new view of each watched document it touched
    /// that the reader sees, and <c>left scope</c> for one it saw before and no longer does.
    /// <paramref name="visible"/> is the watcher's set of documents it sees, kept up to date here.</summary>
    public List<WatchChange> WatchChanges(CommitNode commit, Func<DocumentKey, bool> watched, ScopedReader reader, HashSet<DocumentKey> visible)
    {
        var changes = new List<WatchChange>();
        lock (_gate)
        {
            foreach (var key in commit.Ops.Select(o => o.Op.Document).Distinct())
            {
                if (!watched(key))
                {
                    continue;
                }

                if (reader.CanRead(key))
                {
                    visible.Add(key);
                    changes.Add(new WatchChange(key, new VersionedView(Documents.View(key), VersionOf(key))));
                }
                else if (visible.Remove(key))
                {
                    changes.Add(new WatchChange(key, null));
                }
            }
        }
        return changes;
    }

    /// <summary>What a watcher is sent when it cannot know what changed (ops that reached this relay only
    /// as compacted bases): the view of every watched document the reader sees, and <c>left scope</c>
    /// for one it saw before and no longer does.</summary>
    public List<WatchChange> WatchEverything(Func<DocumentKey, bool> watched, ScopedReader reader, HashSet<DocumentKey> visible)
    {
        var changes = new List<WatchChange>();
        lock (_gate)
        {
            foreach (var key in Documents.Keys.Where(watched).Union(visible.Where(watched)).ToList())
            {
                if (reader.CanRead(key) && (Documents.Exists(key) || visible.Contains(key)))
                {
                    visible.Add(key);
                    changes.Add(new WatchChange(key, new VersionedView(Documents.View(key), VersionOf(key))));
                }
                else if (visible.Remove(key))
                {
                    changes.Add(new WatchChange(key, null));
                }
            }
        }
        return changes;
    }

    /// <summary>
    /// The start of a pull or subscription from <paramref name="cursor"/>: the commit it follows from
    /// (its head bounds what is read from the store), and, when the stream must start from state
    /// (cursor 0, or inside the compacted part of the log), a snapshot of every document the reader
    /// sees, taken with that head so snapshots and the following ops meet exactly.
    /// </summary>
    public (CommitNode From, List<Wire.DocumentSnapshot>? Bootstrap) BeginStream(long cursor, ScopedReader reader)
    {
        lock (_gate)
        {
            var node = Latest;
            if (cursor > node.Head)
            {
                throw RelayRefusal.Precondition($"cursor {cursor} is ahead of this relay's log (head {node.Head}); bootstrap again with cursor 0");
            }
            // A cursor inside the compacted part of the log: the ops after it may be gone, so start over from state.
            if (cursor != 0 && cursor >= CompactedThrough)
            {
                return (node, null);
            }

            var bootstrap = new List<Wire.DocumentSnapshot>();
            foreach (var key in Documents.Keys.OrderBy(k => k))
            {
                if (reader.CanRead(key))
                {
                    bootstrap.Add(SnapshotLocked(key));
                }
            }
            return (node, bootstrap);
        }
    }

    /// <summary>The document's snapshot when it exists and the reader sees it, else null.</summary>
    public Wire.DocumentSnapshot? SnapshotIfReadable(DocumentKey key, ScopedReader reader)
    {
        lock (_gate)
        {
            return Documents.Exists(key) && reader.CanRead(key) ? SnapshotLocked(key) : null;
        }
    }

    /// <summary>The document's snapshot when it exists, else null (the caller has checked the right to it).</summary>
    public Wire.DocumentSnapshot? SnapshotIfExists(DocumentKey key)
    {
        lock (_gate)
        {
            return Documents.Exists(key) ? SnapshotLocked(key) : null;
        }
    }

    /// <summary>What <see cref="SubscriberRouting"/> needs to know of a document for one subscriber, read together.</summary>
    public SubscriberFacts FactsFor(DocumentKey key, ScopedReader reader)
    {
        lock (_gate)
        {
            var readable = reader.CanRead(key);
            if (key.Collection != WorkOrderFields.Collection)
            {
                return new SubscriberFacts(readable, false, null, null);
            }

            var (customer, asset) = ReferencesOf(key);
            return new SubscriberFacts(readable, WasEverAssigned(key, reader.Caller.Name), customer, asset);
        }
    }

    /// <summary>Runs a read of the whole merged state under the gate: for audits (the simulation's checks), not for serving calls.</summary>
    public T Inspect<T>(Func<DocumentSet, T> read)
    {
        lock (_gate)
        {
            return read(Documents);
        }
    }

    private static void RequireReadable(ScopedReader reader, DocumentKey key)
    {
        if (!reader.CanRead(key))
        {
            throw RelayRefusal.Denied($"{key}: outside the scope of {reader.Caller}");
        }
    }
}
