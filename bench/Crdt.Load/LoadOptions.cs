namespace Crdt.Load;

/// <summary>The load harness's command line.</summary>
internal sealed record LoadOptions(
    int Devices, int Edits, int OrdersPerDevice, int Subscribers, int BatchSize, FileInfo? Json);
