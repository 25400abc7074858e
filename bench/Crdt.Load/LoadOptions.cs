namespace Crdt.Load;

/// <summary>The load harness's command line. <paramref name="Postgres"/>: a PostgreSQL server the
/// harness makes a fresh database in for the relays (null: SQLite); <paramref name="Relays"/>: relay
/// processes on that database, devices on all but the last, subscribers on the last;
/// <paramref name="WarmupOps"/>: ops one extra device pushes (and subscribers receive) before the
/// measured sync, so that one-time costs (the relay compiles each method at its first call) are
/// not counted per op (0: none); <paramref name="SubscribersInProcess"/>: the live subscribers on the
/// harness's own thread pool instead of a process of their own (<see cref="ISubscribers"/>).</summary>
internal sealed record LoadOptions(
    int Devices, int Edits, int OrdersPerDevice, int Subscribers, int BatchSize, FileInfo? Json, string? Postgres = null, int Relays = 1,
    int WarmupOps = 0, bool SubscribersInProcess = false);
