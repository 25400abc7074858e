using Crdt.Core.Wire;
using Crdt.Grpc;
using Crdt.Relay.Services;

namespace Crdt.Relay.Tests.Support;

/// <summary>One device's view of the relay through our own gRPC client, with its bearer token.</summary>
public sealed class RelayClient(Uri address, string token, string name) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(address);

    public string Name { get; } = name;

    public CallOptions Options(CancellationToken cancellationToken = default) => new()
    {
        Headers = new Metadata().Add("authorization", "Bearer " + token),
        Timeout = TimeSpan.FromSeconds(30),
        CancellationToken = cancellationToken,
    };

    public Task<PushResponse> PushAsync(params Crdt.Core.Op[] ops)
    {
        var request = new PushRequest();
        request.Ops.AddRange(ops.Select(Crdt.Core.OpCodec.ToMessage));
        return PushAsync(request);
    }

    public Task<PushResponse> PushAsync(PushRequest request) => _channel.UnaryAsync(RelayMethods.Push, request, Options());

    /// <summary>A push showing a replica key, as a replica library on a shared device does.</summary>
    public Task<PushResponse> PushWithKeyAsync(string replicaKey, params Crdt.Core.Op[] ops)
    {
        var request = new PushRequest();
        request.Ops.AddRange(ops.Select(Crdt.Core.OpCodec.ToMessage));
        var options = Options();
        options.Headers!.Add("x-crdt-replica-key", replicaKey);
        return _channel.UnaryAsync(RelayMethods.Push, request, options);
    }

    /// <summary>Every message of one Pull, the checkpoint last.</summary>
    public async Task<List<PullResponse>> PullAsync(ulong cursor = 0, uint maxItems = 0, string replica = "", ulong madeThrough = 0)
    {
        using var call = _channel.ServerStreaming(RelayMethods.Pull, new PullRequest { Cursor = cursor, MaxItems = maxItems, Replica = replica, MadeThrough = madeThrough }, Options());
        var items = new List<PullResponse>();
        await foreach (var item in call.ResponseStream.ReadAllAsync()) items.Add(item);
        return items;
    }

    public AsyncServerStreamingCall<PullResponse> Subscribe(ulong cursor, CancellationToken cancellationToken = default) =>
        _channel.ServerStreaming(RelayMethods.Subscribe, new SubscribeRequest { Cursor = cursor }, Options(cancellationToken) with { Timeout = null });

    public AsyncServerStreamingCall<DocumentChange> Watch(WatchRequest request, CancellationToken cancellationToken = default) =>
        _channel.ServerStreaming(RelayMethods.Watch, request, Options(cancellationToken) with { Timeout = null });

    public Task<TResponse> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse> =>
        _channel.UnaryAsync(method, request, Options());

    public Task<DocumentView> GetAsync(string collection, string id) =>
        CallAsync(RelayMethods.Get, new GetDocumentRequest { Document = new DocumentKey { Collection = collection, Id = id } });

    public Task<MutateResponse> MutateAsync(string collection, string id, ulong expectedVersion = 0, params Mutation[] mutations)
    {
        var request = new MutateRequest { Document = new DocumentKey { Collection = collection, Id = id }, ExpectedVersion = expectedVersion };
        request.Mutations.AddRange(mutations);
        return CallAsync(RelayMethods.Mutate, request);
    }

    public void Dispose() => _channel.Dispose();
}
