namespace Crdt.Replica.Internal.Transport;

/// <summary>
/// Which of a person's relay addresses this replica uses now. It sticks to one while it works and
/// moves to the next (wrapping round) when a call to it finds it unreachable, so every call of the
/// replica (sync rounds, the live loop, pins, uploads) follows one choice instead of each finding
/// the dead node for itself. Shared by all of them through <see cref="RelayChannels.RouteFor"/>.
/// It starts at <paramref name="start"/> (the node the replica used last, remembered in its file)
/// and tells <paramref name="moved"/> the new address each time it moves.
/// </summary>
internal sealed class RelayRoute(IReadOnlyList<string> addresses, int start = 0, Action<string>? moved = null)
{
    private int _current = start;

    public IReadOnlyList<string> Addresses { get; } = addresses;

    /// <summary>Index of the address in use.</summary>
    public int Current => Volatile.Read(ref _current);

    public string CurrentAddress => Addresses[Current];

    /// <summary>
    /// The address at <paramref name="failed"/> was found unreachable: the next one is used from now
    /// on. A no-op when another call already moved on from it, so two calls failing on the same
    /// node together move one step, not two (which would skip a working node).
    /// </summary>
    public void MoveOnFrom(int failed)
    {
        var next = (failed + 1) % Addresses.Count;
        if (next != failed && Interlocked.CompareExchange(ref _current, next, failed) == failed)
        {
            moved?.Invoke(Addresses[next]);
        }
    }
}
