using Google.Protobuf;

namespace Crdt.Grpc.Server.Internal;

/// <summary>The request stream a client-streaming or duplex handler reads.</summary>
internal sealed class RequestStreamReader<TRequest> : IAsyncStreamReader<TRequest>
    where TRequest : class, IMessage<TRequest>
{
    private readonly ServerCall _call;
    private readonly MessageParser<TRequest> _parser;

    public RequestStreamReader(ServerCall call, MessageParser<TRequest> parser)
    {
        _call = call;
        _parser = parser;
    }

    public TRequest Current { get; private set; } = null!;

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call.Context.CancellationToken)
            : null;
        var message = await _call.ReadMessageAsync(_parser, linked?.Token ?? _call.Context.CancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return false;
        }

        Current = message;
        return true;
    }
}
