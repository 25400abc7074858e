using Crdt.Core;

namespace Crdt.Replica;

/// <summary>Documents changed, by a local edit or by ops from the relay.</summary>
public sealed class DocumentsChangedEventArgs(IReadOnlyList<DocumentKey> documents, bool fromRelay) : EventArgs
{
    /// <summary>The documents whose merged state changed (or that were dropped because they left the scope).</summary>
    public IReadOnlyList<DocumentKey> Documents { get; } = documents;

    /// <summary>True when the change arrived from the relay, false for an edit made here.</summary>
    public bool FromRelay { get; } = fromRelay;
}

/// <summary>Flags that were not there before appeared (a conflict someone should look at).</summary>
public sealed class FlagsRaisedEventArgs(IReadOnlyList<Flag> flags) : EventArgs
{
    /// <summary>The new flags.</summary>
    public IReadOnlyList<Flag> Flags { get; } = flags;
}

/// <summary>The connectivity changed: show or hide the "Offline" banner.</summary>
public sealed class ConnectivityChangedEventArgs(ConnectivityState previous, ConnectivityState current, string? reason) : EventArgs
{
    /// <summary>Before.</summary>
    public ConnectivityState Previous { get; } = previous;

    /// <summary>Now.</summary>
    public ConnectivityState Current { get; } = current;

    /// <summary>Why (the relay's or the network's error when going offline), if known.</summary>
    public string? Reason { get; } = reason;
}
