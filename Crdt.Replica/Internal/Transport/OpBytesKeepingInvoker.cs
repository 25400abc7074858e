using Crdt.Core.Wire;
using Google.Protobuf;
using Grpc.Core;

namespace Crdt.Replica.Internal.Transport;

/// <summary>
/// The generated Sync client's calls, with pull and live stream items read by
/// <see cref="PullResponse.ParseKeepingOpBytes"/>: each received op keeps the bytes the relay
/// sent, so the device stores exactly what the relay stored (one byte form per op, issue 11).
/// Only the response reader of the generated method is swapped; its names and request side stay.
/// </summary>
internal sealed class OpBytesKeepingInvoker(CallInvoker inner) : CallInvoker
{
    internal static readonly Marshaller<PullResponse> KeepingOpBytes = new(
        (PullResponse item, SerializationContext context) => context.Complete(item.ToByteArray()),
        (DeserializationContext context) => PullResponse.ParseKeepingOpBytes(context.PayloadAsReadOnlySequence()));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        if (KeepingOpBytes is Marshaller<TResponse> responses)
        {
            method = new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, method.RequestMarshaller, responses);
        }
        return inner.AsyncServerStreamingCall(method, host, options, request);
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        inner.BlockingUnaryCall(method, host, options, request);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        inner.AsyncUnaryCall(method, host, options, request);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        inner.AsyncClientStreamingCall(method, host, options);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        inner.AsyncDuplexStreamingCall(method, host, options);
}
