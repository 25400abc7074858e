using Crdt.Grpc;
using Crdt.Grpc.Server;
using Google.Protobuf;
using Grpc.Testing;

namespace Crdt.Interop.Server;

/// <summary>
/// grpc.testing.TestService as doc/interop-test-descriptions.md asks of a server: payloads of the
/// requested sizes, echoed metadata, requested statuses, per-message compression, interval sleeps.
/// </summary>
public sealed class InteropTestService : IGrpcService
{
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";

    public void Bind(GrpcServiceBinder binder) => binder
        .AddUnary(TestServiceMethods.EmptyCall, (_, _) => Task.FromResult(new Empty()))
        .AddUnary(TestServiceMethods.UnaryCall, UnaryCallAsync)
        .AddServerStreaming(TestServiceMethods.StreamingOutputCall, StreamingOutputCallAsync)
        .AddClientStreaming(TestServiceMethods.StreamingInputCall, StreamingInputCallAsync)
        .AddDuplexStreaming(TestServiceMethods.FullDuplexCall, FullDuplexCallAsync)
        .AddDuplexStreaming(TestServiceMethods.HalfDuplexCall, HalfDuplexCallAsync);

    private static Task<SimpleResponse> UnaryCallAsync(SimpleRequest request, ServerCallContext context)
    {
        EchoMetadata(context);
        CheckExpectCompressed(request.ExpectCompressed, context);
        ThrowIfStatusRequested(request.ResponseStatus);
        CheckPayloadType(request.ResponseType);
        if (request.ResponseCompressed is { } compressed)
        {
            ChooseCompression(context, compressed.Value);
        }

        return Task.FromResult(new SimpleResponse { Payload = ZeroPayload(request.ResponseSize) });
    }

    private static async Task StreamingOutputCallAsync(StreamingOutputCallRequest request, IAsyncStreamWriter<StreamingOutputCallResponse> responses, ServerCallContext context)
    {
        EchoMetadata(context);
        CheckPayloadType(request.ResponseType);
        await WriteResponsesAsync(request, responses, context).ConfigureAwait(false);
        ThrowIfStatusRequested(request.ResponseStatus);
    }

    private static async Task<StreamingInputCallResponse> StreamingInputCallAsync(IAsyncStreamReader<StreamingInputCallRequest> requests, ServerCallContext context)
    {
        EchoMetadata(context);
        var total = 0;
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            CheckExpectCompressed(requests.Current.ExpectCompressed, context);
            total += requests.Current.Payload?.Body.Length ?? 0;
        }

        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    private static async Task FullDuplexCallAsync(IAsyncStreamReader<StreamingOutputCallRequest> requests, IAsyncStreamWriter<StreamingOutputCallResponse> responses, ServerCallContext context)
    {
        EchoMetadata(context);
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;
            // An echo status ends the stream; further requests are ignored.
            ThrowIfStatusRequested(request.ResponseStatus);
            await WriteResponsesAsync(request, responses, context).ConfigureAwait(false);
        }
    }

    private static async Task HalfDuplexCallAsync(IAsyncStreamReader<StreamingOutputCallRequest> requests, IAsyncStreamWriter<StreamingOutputCallResponse> responses, ServerCallContext context)
    {
        EchoMetadata(context);
        var buffered = new List<StreamingOutputCallRequest>();
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            buffered.Add(requests.Current);
        }

        foreach (var request in buffered)
        {
            ThrowIfStatusRequested(request.ResponseStatus);
            await WriteResponsesAsync(request, responses, context).ConfigureAwait(false);
        }
    }

    private static async Task WriteResponsesAsync(StreamingOutputCallRequest request, IAsyncStreamWriter<StreamingOutputCallResponse> responses, ServerCallContext context)
    {
        if (request.ResponseParameters.Any(p => p.Compressed?.Value == true))
        {
            context.ResponseCompression = "gzip";
        }

        foreach (var parameters in request.ResponseParameters)
        {
            if (parameters.IntervalUs > 0)
            {
                await Task.Delay(TimeSpan.FromMicroseconds(parameters.IntervalUs), context.CancellationToken).ConfigureAwait(false);
            }

            context.CompressResponses = parameters.Compressed?.Value == true;
            await responses.WriteAsync(new StreamingOutputCallResponse { Payload = ZeroPayload(parameters.Size) }).ConfigureAwait(false);
        }
    }

    private static void EchoMetadata(ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue(EchoInitialKey) is { } initial && context.ResponseHeaders.Get(EchoInitialKey) is null)
        {
            context.ResponseHeaders.Add(EchoInitialKey, initial);
        }

        if (context.RequestHeaders.GetValueBytes(EchoTrailingKey) is { } trailing && context.ResponseTrailers.Get(EchoTrailingKey) is null)
        {
            context.ResponseTrailers.Add(EchoTrailingKey, trailing);
        }
    }

    private static void ChooseCompression(ServerCallContext context, bool compressed)
    {
        if (compressed)
        {
            context.ResponseCompression = "gzip";
        }

        context.CompressResponses = compressed;
    }

    private static void CheckExpectCompressed(BoolValue? expectCompressed, ServerCallContext context)
    {
        if (expectCompressed?.Value == true && !context.RequestMessageCompressed)
        {
            throw new RpcException(StatusCode.InvalidArgument, "Expected a compressed request message, got an uncompressed one.");
        }
    }

    private static void CheckPayloadType(PayloadType type)
    {
        if (type != PayloadType.Compressable)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"Unsupported response payload type {type}.");
        }
    }

    private static void ThrowIfStatusRequested(EchoStatus? status)
    {
        if (status is { Code: not 0 })
        {
            throw new RpcException((StatusCode)status.Code, status.Message);
        }
    }

    private static Payload ZeroPayload(int size) =>
        new() { Type = PayloadType.Compressable, Body = ByteString.CopyFrom(new byte[size]) };
}
