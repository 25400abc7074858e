using System.Net;
using Crdt.Grpc.Internal;

namespace Crdt.Grpc.Client;

/// <summary>
/// The body of a client-streaming or duplex call. HttpClient hands us the HTTP/2 request stream;
/// we keep it open for the writer until the writer completes (END_STREAM) or the call ends.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent()
    {
        Headers.TryAddWithoutValidation(ReservedHeaders.ContentType, ReservedHeaders.GrpcContentType);
    }

    /// <summary>The request stream, once HttpClient has sent the request headers.</summary>
    public Task<Stream> RequestStream => _stream.Task;

    /// <summary>Ends the request body (END_STREAM); idempotent.</summary>
    public void Complete() => _complete.TrySetResult();

    /// <summary>The call ended before the body did: stop waiting for a writer.</summary>
    public void Abort()
    {
        _stream.TrySetCanceled();
        _complete.TrySetResult();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _stream.TrySetResult(stream);
        await using (cancellationToken.UnsafeRegister(static s => ((StreamingRequestContent)s!).Abort(), this))
        {
            await _complete.Task.ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
