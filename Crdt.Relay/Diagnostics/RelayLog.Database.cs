using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Diagnostics;

// A shared database going away and coming back (ids 60-69, apart from the other files' so branches adding events do not collide).
internal sealed partial class RelayLog
{
    [LoggerMessage(60, LogLevel.Warning, "The database cannot be reached, health is NOT_SERVING until it is back: {Problem}")]
    public partial void DatabaseAway(string problem);

    [LoggerMessage(61, LogLevel.Information, "The database is reachable again, health is SERVING")]
    public partial void DatabaseBack();

    [LoggerMessage(62, LogLevel.Error, "Following the other relay nodes failed, this node may fall behind the shared log until it recovers (retrying): {Problem}")]
    public partial void FollowingFailed(Exception exception, string problem);
}
