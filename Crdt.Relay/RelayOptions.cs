using System.Net;
using Crdt.Core;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay;

/// <summary>How to run a relay: storage, address, TLS and the limits it enforces.</summary>
public sealed class RelayOptions
{
    /// <summary>The data folder (SQLite database <c>relay.db</c>).</summary>
    public string DataDirectory { get; init; } = "relay-data";

    /// <summary>Where to listen; port 0 picks a free port (see <see cref="RelayHost.Address"/>).</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 5171);

    /// <summary>An extra HTTP/1.1 listener for gRPC-Web (browsers cannot speak cleartext HTTP/2);
    /// null for none. <c>serve</c> defaults it to 127.0.0.1:5172. With TLS, the main port serves
    /// gRPC-Web too (ALPN picks HTTP/1.1 or HTTP/2).</summary>
    public IPEndPoint? WebListen { get; init; }

    /// <summary>PEM certificate and key for TLS; both null for h2c.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <inheritdoc cref="TlsCertificatePath"/>
    public string? TlsKeyPath { get; init; }

    /// <summary>Ops stamped further ahead of the relay's clock than this are refused.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most ops in one Push.</summary>
    public int MaxOpsPerPush { get; init; } = 10_000;

    /// <summary>Largest request message accepted, in bytes (RESOURCE_EXHAUSTED beyond).</summary>
    public int MaxReceiveMessageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>How many pushes the relay works on at once, from the decoded request to the acknowledgement
    /// (the others wait, costing nothing). Default: cores + 1, which keeps live streams' deliveries from
    /// queueing behind a burst of pushes (docs/performance.md, issue 11). Raise it on PostgreSQL with many
    /// tenants, where pushes to different tenants commit in parallel and each waits on the database.</summary>
    public int PushesAtOnce { get; init; } = Services.PushAdmission.DefaultLimit;

    /// <summary>Commit each push durably (synchronous=FULL) before acknowledging it.</summary>
    public bool DurableCommits { get; init; } = true;

    /// <summary>The clock the relay stamps and checks skew with; tests drive it.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Compacts every tenant this often while running (README "Bounded history"); null (the library
    /// default) never on a schedule. <c>serve --compact-every</c> defaults to 6 hours.</summary>
    public TimeSpan? CompactEvery { get; init; }

    /// <summary>How often the relay looks for device changes made by another process (the CLI).</summary>
    public TimeSpan DevicePollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The collections the relay accepts: the built-ins plus the application's own
    /// (register them before starting the relay, and the same ones in every replica). A technician
    /// sees an application collection's documents only when pinned; dispatchers see them all.</summary>
    public SchemaRegistry Schemas { get; init; } = SchemaRegistry.CreateDefault();

    /// <summary>Whether the relay keeps checkpoints of each tenant's state and starts from the latest one,
    /// replaying only the log after it (README "Start-up on a long history"). Off: every start replays the whole log.</summary>
    public bool Checkpoints { get; init; } = true;

    /// <summary>A tenant is checkpointed once this many ops were appended since its last checkpoint (and at shutdown).</summary>
    public long CheckpointEveryOps { get; init; } = 100_000;

    /// <summary>How often the relay looks whether a tenant is due for a checkpoint.</summary>
    public TimeSpan CheckpointPollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where logs go; default: one line per event on the console. <c>serve --log-format json</c>
    /// uses the JSON console formatter (structured: every named value is its own property).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
