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
        var callToken = _call.Context.CancellationToken;
        // Handlers usually pass the call's own token: no need to link it with itself.
        using var linked = cancellationToken.CanBeCanceled && cancellationToken != callToken
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callToken)
            : null;
        var message = await _call.ReadMessageAsync(_parser, linked?.Token ?? callToken).ConfigureAwait(false);
        if (message is null)
        {
            return false;
        }

        Current = message;
        return true;
    }
}
