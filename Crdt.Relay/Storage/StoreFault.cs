namespace Crdt.Relay.Storage;

/// <summary>
/// The store itself failed, as opposed to refusing a request. <see cref="DataLost"/>: what it holds
/// is damaged (answered DATA_LOSS, and the relay reports itself NOT_SERVING); otherwise the failure
/// may pass (disk full, locked, I/O error: answered UNAVAILABLE, so clients retry).
/// </summary>
/// <param name="Message">names the store's file and what failed, for the caller and the operator</param>
public sealed record StoreFault(bool DataLost, string Message);
