using Crdt.Relay.Tests.Support;
using Grpc.Net.Client;
using V1 = Grpc.Reflection.V1;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace Crdt.Relay.Tests.Transport;

/// <summary>Guards that a stock reflection client (Grpc.Reflection's generated client, as grpcurl
/// does it) lists the crdtfieldstore.v1 services without a token, on v1 and v1alpha.</summary>
public sealed class ReflectionTests
{
    private static readonly string[] Ours = ["crdtfieldstore.v1.Admin", "crdtfieldstore.v1.Documents", "crdtfieldstore.v1.Sync"];

    [Fact]
    public async Task Reflection_v1_lists_our_services_and_serves_their_descriptors()
    {
        await using var relay = await TestRelay.StartAsync();
        using var channel = GrpcChannel.ForAddress(relay.Host.Address);
        using var call = new V1.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { ListServices = "" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var listed = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await call.RequestStream.WriteAsync(new V1.ServerReflectionRequest { FileContainingSymbol = "crdtfieldstore.v1.Sync" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(b => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(b).Name).ToList();
        await call.RequestStream.CompleteAsync();

        Assert.Subset(listed.ToHashSet(), Ours.ToHashSet());
        Assert.Contains("crdtfieldstore/v1/sync.proto", files);
        Assert.Contains("crdtfieldstore/v1/ops.proto", files);
    }

    [Fact]
    public async Task Reflection_v1alpha_lists_our_services()
    {
        await using var relay = await TestRelay.StartAsync();
        using var channel = GrpcChannel.ForAddress(relay.Host.Address);
        using var call = new V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new V1Alpha.ServerReflectionRequest { ListServices = "" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var listed = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToHashSet();
        await call.RequestStream.CompleteAsync();

        Assert.Subset(listed, Ours.ToHashSet());
    }
}
