using Crdt.Grpc.Server.Internal;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace Crdt.Grpc.Server;

/// <summary>
/// Server reflection (doc/server-reflection.md), served as both <c>grpc.reflection.v1</c> and
/// <c>grpc.reflection.v1alpha</c> (grpcurl tries v1 first, then v1alpha). It describes the proto
/// files the host registers (and their dependencies); it lists the registered services that are mapped.
/// Map it with <c>app.MapGrpcReflectionService(MyProtoReflection.Descriptor)</c>.
/// </summary>
public sealed class GrpcReflectionService : IGrpcService
{
    public const string V1ServiceName = "grpc.reflection.v1.ServerReflection";
    public const string V1AlphaServiceName = "grpc.reflection.v1alpha.ServerReflection";

    private static readonly Method<V1.ServerReflectionRequest, V1.ServerReflectionResponse> V1Info =
        new(MethodType.DuplexStreaming, V1ServiceName, "ServerReflectionInfo", V1.ServerReflectionRequest.Parser, V1.ServerReflectionResponse.Parser);

    private static readonly Method<V1Alpha.ServerReflectionRequest, V1Alpha.ServerReflectionResponse> V1AlphaInfo =
        new(MethodType.DuplexStreaming, V1AlphaServiceName, "ServerReflectionInfo", V1Alpha.ServerReflectionRequest.Parser, V1Alpha.ServerReflectionResponse.Parser);

    private readonly GrpcServerRuntime _runtime;
    private readonly ReflectionIndex _index = new();

    internal GrpcReflectionService(GrpcServerRuntime runtime)
    {
        _runtime = runtime;
        _index.Add(global::Grpc.Health.V1.HealthReflection.Descriptor);
        _index.Add(V1.ReflectionReflection.Descriptor);
        _index.Add(V1Alpha.ReflectionReflection.Descriptor);
    }

    /// <summary>Describes these proto files (and, transitively, their imports).</summary>
    public void AddFiles(params FileDescriptor[] files)
    {
        foreach (var file in files)
        {
            _index.Add(file);
        }
    }

    void IGrpcService.Bind(GrpcServiceBinder binder) =>
        binder.AddDuplexStreaming(V1Info, ServeV1Async).AddDuplexStreaming(V1AlphaInfo, ServeV1AlphaAsync);

    private async Task ServeV1Async(IAsyncStreamReader<V1.ServerReflectionRequest> requests, IAsyncStreamWriter<V1.ServerReflectionResponse> responses, ServerCallContext context)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(_index.Answer(requests.Current, sent, _runtime.MappedServices)).ConfigureAwait(false);
        }
    }

    /// <summary>v1alpha has the same messages as v1 field for field, so it is served by re-reading the bytes.</summary>
    private async Task ServeV1AlphaAsync(IAsyncStreamReader<V1Alpha.ServerReflectionRequest> requests, IAsyncStreamWriter<V1Alpha.ServerReflectionResponse> responses, ServerCallContext context)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = V1.ServerReflectionRequest.Parser.ParseFrom(requests.Current.ToByteString());
            var answer = _index.Answer(request, sent, _runtime.MappedServices);
            await responses.WriteAsync(V1Alpha.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString())).ConfigureAwait(false);
        }
    }
}
