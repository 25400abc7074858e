using Crdt.Core.Wire;
using Grpc.Core;
using Grpc.Net.Client;

namespace Crdt.Relay.Tests.Support;

/// <summary>One device's view of the relay through Grpc.Net.Client and the generated clients, with its bearer token.</summary>
public sealed class RelayClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly string _token;

    public RelayClient(Uri address, string token, string name)
    {
        _channel = GrpcChannel.ForAddress(address);
        _token = token;
        Name = name;
        Sync = new Crdt.Core.Wire.Sync.SyncClient(_channel);
        Documents = new Crdt.Core.Wire.Documents.DocumentsClient(_channel);
        Admin = new Crdt.Core.Wire.Admin.AdminClient(_channel);
    }

    public string Name { get; }

    /// <summary>The bearer token (for tests that hand-make requests).</summary>
    public string Token => _token;

    public GrpcChannel Channel => _channel;

    public Crdt.Core.Wire.Sync.SyncClient Sync { get; }

    public Crdt.Core.Wire.Documents.DocumentsClient Documents { get; }

    public Crdt.Core.Wire.Admin.AdminClient Admin { get; }

    public Metadata Headers() => new() { { "authorization", "Bearer " + _token } };

    /// <summary>Call options with the token and a 30 s deadline (none for live streams).</summary>
    public CallOptions Options(CancellationToken cancellationToken = default, bool deadline = true) =>
        new(Headers(), deadline ? DateTime.UtcNow.AddSeconds(30) : null, cancellationToken);

    public Task<PushResponse> PushAsync(params Crdt.Core.Op[] ops)
    {
        var request = new PushRequest();
        request.Ops.AddRange(ops.Select(CoreMessages.ToMessage));
        return PushAsync(request);
    }

    public Task<PushResponse> PushAsync(PushRequest request) => Sync.PushAsync(request, Options()).ResponseAsync;

    /// <summary>A push showing a replica key, as a replica library on a shared device does.</summary>
    public Task<PushResponse> PushWithKeyAsync(string replicaKey, params Crdt.Core.Op[] ops)
    {
        var request = new PushRequest();
        request.Ops.AddRange(ops.Select(CoreMessages.ToMessage));
        var headers = Headers();
        headers.Add("x-crdt-replica-key", replicaKey);
        return Sync.PushAsync(request, new CallOptions(headers, DateTime.UtcNow.AddSeconds(30))).ResponseAsync;
    }

    /// <summary>Every message of one Pull, the checkpoint last.</summary>
    public async Task<List<PullResponse>> PullAsync(ulong cursor = 0, uint maxItems = 0, string replica = "", ulong madeThrough = 0, string? replicaKey = null)
    {
        var options = Options();
        if (replicaKey is not null)
        {
            options.Headers!.Add("x-crdt-replica-key", replicaKey);
        }
        using var call = Sync.Pull(new PullRequest { Cursor = cursor, MaxItems = maxItems, Replica = replica, MadeThrough = madeThrough }, options);
        var items = new List<PullResponse>();
        await foreach (var item in call.ResponseStream.ReadAllAsync()) items.Add(item);
        return items;
    }

    public AsyncServerStreamingCall<PullResponse> Subscribe(ulong cursor, CancellationToken cancellationToken = default) =>
        Sync.Subscribe(new SubscribeRequest { Cursor = cursor }, Options(cancellationToken, deadline: false));

    public Task<PinResponse> PinAsync(PinRequest request) => Sync.PinAsync(request, Options()).ResponseAsync;

    public AsyncServerStreamingCall<DocumentChange> Watch(WatchRequest request, CancellationToken cancellationToken = default) =>
        Documents.Watch(request, Options(cancellationToken, deadline: false));

    public Task<DocumentView> GetAsync(string collection, string id) =>
        Documents.GetAsync(new GetDocumentRequest { Document = new DocumentKey { Collection = collection, Id = id } }, Options()).ResponseAsync;

    public Task<QueryDocumentsResponse> QueryAsync(QueryDocumentsRequest request) => Documents.QueryAsync(request, Options()).ResponseAsync;

    public Task<MutateResponse> MutateAsync(string collection, string id, ulong expectedVersion = 0, params Mutation[] mutations)
    {
        var request = new MutateRequest { Document = new DocumentKey { Collection = collection, Id = id }, ExpectedVersion = expectedVersion };
        request.Mutations.AddRange(mutations);
        return Documents.MutateAsync(request, Options()).ResponseAsync;
    }

    /// <summary>Sync.Pin of one document (for another device when <paramref name="forDevice"/> is given: sharing).</summary>
    public Task<PinResponse> PinAsync(string collection, string id, bool pinned = true, string forDevice = "") =>
        PinAsync(new PinRequest { Document = new DocumentKey { Collection = collection, Id = id }, Pinned = pinned, ForDevice = forDevice });

    public Task<ListFlagsResponse> ListFlagsAsync(bool includeResolved = false) =>
        ListFlagsAsync(new ListFlagsRequest { IncludeResolved = includeResolved });

    public Task<ResolveFlagResponse> ResolveFlagAsync(DocumentKey document, string flagId, Resolution resolution) =>
        ResolveFlagAsync(new ResolveFlagRequest { Document = document, FlagId = flagId, Resolution = resolution });

    public Task<QueryDocumentsResponse> QueryAsync(string collection) =>
        QueryAsync(new QueryDocumentsRequest { Collection = collection });

    public Task<CreateTenantResponse> CreateTenantAsync(string name) =>
        Admin.CreateTenantAsync(new CreateTenantRequest { Name = name }, Options()).ResponseAsync;

    public Task<ListFlagsResponse> ListFlagsAsync(ListFlagsRequest request) => Documents.ListFlagsAsync(request, Options()).ResponseAsync;

    public Task<ResolveFlagResponse> ResolveFlagAsync(ResolveFlagRequest request) => Documents.ResolveFlagAsync(request, Options()).ResponseAsync;

    public Task<RegisterDeviceResponse> RegisterDeviceAsync(RegisterDeviceRequest request) => Admin.RegisterDeviceAsync(request, Options()).ResponseAsync;

    public Task<ListDevicesResponse> ListDevicesAsync(ListDevicesRequest request) => Admin.ListDevicesAsync(request, Options()).ResponseAsync;

    public Task<RevokeDeviceResponse> RevokeDeviceAsync(RevokeDeviceRequest request) => Admin.RevokeDeviceAsync(request, Options()).ResponseAsync;

    public void Dispose() => _channel.Dispose();
}
