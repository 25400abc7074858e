using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Diagnostics;

/// <summary>The relay's log events, structured: every named value is its own property (the JSON
/// console formatter writes them as fields), so logs can be filtered by tenant, device or status.</summary>
internal sealed partial class RelayLog(ILogger logger)
{
    [LoggerMessage(1, LogLevel.Information, "Relay serving {Address} with data in {DataDirectory}")]
    public partial void RelayStarted(string address, string dataDirectory);

    [LoggerMessage(2, LogLevel.Information, "Tenant {Tenant} loaded: {Ops} ops, {Documents} documents, head {Head}, in {ElapsedMs} ms")]
    public partial void TenantLoaded(string tenant, long ops, int documents, long head, long elapsedMs);

    [LoggerMessage(3, LogLevel.Debug, "Push by {Device} of tenant {Tenant}: {Stored} stored, {Duplicates} duplicate, head {Head}")]
    public partial void Pushed(string tenant, string device, int stored, int duplicates, long head);

    [LoggerMessage(4, LogLevel.Warning, "Refused {Method} from {Device} of tenant {Tenant}: {Status} {Reason}")]
    public partial void Refused(string method, string tenant, string device, string status, string reason);

    [LoggerMessage(5, LogLevel.Information, "Stream {Method} of {Device} (tenant {Tenant}) ended: {Reason}")]
    public partial void StreamEnded(string method, string tenant, string device, string reason);

    [LoggerMessage(6, LogLevel.Error, "{Method} failed for {Device} of tenant {Tenant}")]
    public partial void Failed(Exception exception, string method, string tenant, string device);

    [LoggerMessage(7, LogLevel.Critical, "Damaged data, health is NOT_SERVING: {Problem}")]
    public partial void StoreDamaged(Exception? exception, string problem);

    [LoggerMessage(8, LogLevel.Error, "Store failure: {Problem}")]
    public partial void StoreFault(Exception exception, string problem);
}
