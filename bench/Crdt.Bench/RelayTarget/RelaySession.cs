using System.Net;
using Crdt.Bench.Memory;
using Crdt.Core;
using Grpc.Core;
using Grpc.Net.Client;
using Crdt.Relay;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;
using Microsoft.Extensions.Logging;
using Wire = Crdt.Core.Wire;

namespace Crdt.Bench.RelayTarget;

/// <summary>
/// One in-process relay (SQLite in a temp folder, h2c on 127.0.0.1, the BenchOrder schema
/// registered) and a gRPC channel per device. Counts the bytes of every request and response
/// message it sends or receives (protobuf message sizes, without HTTP/2 and gRPC framing).
/// </summary>
internal sealed class RelaySession : IAsyncDisposable
{
    /// <summary>Ops per Push: well under the relay's MaxOpsPerPush and its 4 MiB message limit.</summary>
    public const int PushBatch = 2_000;

    private readonly string _folder;
    private readonly RelayHost _host;
    private readonly List<GrpcChannel> _channels = [];

    private RelaySession(string folder, RelayHost host)
    {
        _folder = folder;
        _host = host;
    }

    public long MessageBytes { get; set; }

    public static async Task<RelaySession> StartAsync()
    {
        string folder = Directory.CreateTempSubdirectory("crdt-bench-relay-").FullName;
        var host = await RelayHost.StartAsync(new RelayOptions
        {
            DataDirectory = folder,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            DurableCommits = false,
            Schemas = BenchCollection.Registry(),
            ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Critical),
        });
        return new RelaySession(folder, host);
    }

    /// <summary>Registers a dispatcher device (it may write and read every BenchOrder) and opens its channel.</summary>
    public async Task<RelayDevice> DeviceAsync(string name)
    {
        string token = DeviceTokens.NewToken();
        await _host.Store.AddDeviceAsync(new NewDevice("default", name, DeviceRoleKind.Dispatcher, DeviceTokens.Hash(token), DateTimeOffset.UtcNow));
        var channel = GrpcChannel.ForAddress(_host.Address);
        _channels.Add(channel);
        var device = new RelayDevice(this, channel, token);
        await device.PushAsync([]);   // connection up before any timer, as for a device already online
        MessageBytes = 0;
        return device;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels) channel.Dispose();
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>One device's side of the sync protocol: Push its ops in batches, Pull what it lacks.</summary>
    internal sealed class RelayDevice(RelaySession session, GrpcChannel channel, string token)
    {
        private readonly CallOptions _auth = new(new Metadata { { "authorization", "Bearer " + token } });
        private readonly Wire.Sync.SyncClient _sync = new(channel);

        /// <summary>The cursor of the last checkpoint this device received.</summary>
        public ulong Cursor { get; private set; }

        /// <summary>Pushes <paramref name="ops"/> in batches of <see cref="PushBatch"/>; returns how many the relay stored.</summary>
        public async Task<long> PushAsync(IReadOnlyList<Op> ops)
        {
            long stored = 0;
            int i = 0;
            do
            {
                var request = new Wire.PushRequest();
                for (int end = Math.Min(i + PushBatch, ops.Count); i < end; i++) request.Ops.Add(Wire.CoreMessages.ToMessage(ops[i]));
                var answer = await _sync.PushAsync(request, _auth);
                session.MessageBytes += request.CalculateSize() + answer.CalculateSize();
                stored += answer.Stored;
            }
            while (i < ops.Count);
            return stored;
        }

        /// <summary>Pulls from <see cref="Cursor"/> until the relay has nothing more, applying each op to <paramref name="replica"/>.</summary>
        public async Task<long> PullIntoAsync(CoreReplica replica)
        {
            long received = 0;
            bool more;
            do
            {
                more = false;
                using var call = _sync.Pull(new Wire.PullRequest { Cursor = Cursor }, _auth);
                session.MessageBytes += new Wire.PullRequest { Cursor = Cursor }.CalculateSize();
                await foreach (var item in call.ResponseStream.ReadAllAsync())
                {
                    session.MessageBytes += item.CalculateSize();
                    if (item.Op is { } op)
                    {
                        replica.ApplyRemote(Wire.CoreMessages.ToOp(op));
                        received++;
                    }
                    else if (item.Document is { } snapshot)
                    {
                        Wire.CoreMessages.MergeSnapshot(replica.Documents, snapshot);
                        received++;
                    }
                    else if (item.Checkpoint is { } checkpoint)
                    {
                        Cursor = checkpoint.Cursor;
                        more = checkpoint.More;
                    }
                }
            }
            while (more);
            return received;
        }
    }
}
