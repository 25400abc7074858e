using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Diagnostics;

// Attachment events (ids 40-49, apart from the core events' so branches adding events do not collide).
internal sealed partial class RelayLog
{
    [LoggerMessage(40, LogLevel.Information, "Attachment {Sha256} ({Bytes} bytes) stored for tenant {Tenant}, uploaded by {Device}")]
    public partial void AttachmentStored(string tenant, string device, string sha256, long bytes);

}
