namespace Crdt.Load;

/// <summary>The load harness's command line. <paramref name="Postgres"/>: a PostgreSQL server the
/// harness makes a fresh database in for the relays (null: SQLite); <paramref name="Relays"/>: relay
/// processes on that database, devices on all but the last, subscribers on the last.</summary>
internal sealed record LoadOptions(
    int Devices, int Edits, int OrdersPerDevice, int Subscribers, int BatchSize, FileInfo? Json, string? Postgres = null, int Relays = 1);
