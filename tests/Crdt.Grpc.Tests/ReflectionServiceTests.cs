using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Crdt.Interop.Server;
using Google.Protobuf.Reflection;
using Grpc.Testing;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace Crdt.Grpc.Tests;

/// <summary>Guards server reflection (v1 and v1alpha) the way grpcurl uses it: list, then fetch files by symbol with their imports.</summary>
public sealed class ReflectionServiceTests
{
    private static readonly Method<V1.ServerReflectionRequest, V1.ServerReflectionResponse> V1Info =
        new(MethodType.DuplexStreaming, "grpc.reflection.v1.ServerReflection", "ServerReflectionInfo", V1.ServerReflectionRequest.Parser, V1.ServerReflectionResponse.Parser);

    private static readonly Method<V1Alpha.ServerReflectionRequest, V1Alpha.ServerReflectionResponse> V1AlphaInfo =
        new(MethodType.DuplexStreaming, "grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo", V1Alpha.ServerReflectionRequest.Parser, V1Alpha.ServerReflectionResponse.Parser);

    private static Task<TestServer> StartAsync() => TestServer.StartAsync(app =>
    {
        app.MapGrpcService<InteropTestService>();
        app.MapGrpcHealthService();
        app.MapGrpcReflectionService(TestReflection.Descriptor);
    });

    [Fact]
    public async Task List_services_names_the_mapped_services_that_have_descriptors()
    {
        await using var server = await StartAsync();
        using var channel = server.CreateChannel();

        using var call = channel.DuplexStreaming(V1Info);
        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { ListServices = "" });
        Assert.True(await call.ResponseStream.MoveNext());
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());

        Assert.Equal(
            ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "grpc.testing.TestService"],
            names);
    }

    [Fact]
    public async Task File_containing_symbol_returns_the_file_and_its_imports_once_per_stream()
    {
        await using var server = await StartAsync();
        using var channel = server.CreateChannel();

        using var call = channel.DuplexStreaming(V1Info);
        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { FileContainingSymbol = "grpc.testing.TestService.UnaryCall" });
        Assert.True(await call.ResponseStream.MoveNext());
        var first = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => FileDescriptorProto.Parser.ParseFrom(bytes).Name).Order().ToList();
        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { FileContainingSymbol = "grpc.testing.SimpleRequest" });
        Assert.True(await call.ResponseStream.MoveNext());
        var second = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto.Count;
        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { FileContainingSymbol = "no.such.Symbol" });
        Assert.True(await call.ResponseStream.MoveNext());
        var error = call.ResponseStream.Current.ErrorResponse;
        await call.RequestStream.CompleteAsync();

        Assert.Equal(["src/proto/grpc/testing/empty.proto", "src/proto/grpc/testing/messages.proto", "src/proto/grpc/testing/test.proto"], first);
        Assert.Equal(0, second); // messages.proto was already sent on this stream
        Assert.Equal((int)StatusCode.NotFound, error.ErrorCode);
    }

    [Fact]
    public async Task V1alpha_answers_like_v1_for_older_tools()
    {
        await using var server = await StartAsync();
        using var channel = server.CreateChannel();

        using var call = channel.DuplexStreaming(V1AlphaInfo);
        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { FileByFilename = "grpc/health/v1/health.proto" });
        Assert.True(await call.ResponseStream.MoveNext());
        var file = FileDescriptorProto.Parser.ParseFrom(call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto[0]);
        await call.RequestStream.CompleteAsync();

        Assert.Equal("grpc.health.v1", file.Package);
        Assert.Contains(file.Service, s => s.Name == "Health");
    }
}
