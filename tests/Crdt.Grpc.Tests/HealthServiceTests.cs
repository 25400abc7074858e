using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Crdt.Grpc.Tests;

/// <summary>Guards grpc.health.v1: Check answers the registry (NOT_FOUND when unknown), Watch streams every change.</summary>
public sealed class HealthServiceTests
{
    [Fact]
    public async Task Check_reports_the_server_and_set_services_and_NOT_FOUND_for_others()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcHealthService());
        server.App.Services.GetRequiredService<GrpcHealthService>().SetStatus("crdtfieldstore.v1.Sync", ServingStatus.NotServing);
        using var channel = server.CreateChannel();

        var whole = await channel.UnaryAsync(HealthMethods.Check, new HealthCheckRequest());
        var sync = await channel.UnaryAsync(HealthMethods.Check, new HealthCheckRequest { Service = "crdtfieldstore.v1.Sync" });
        var unknown = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(HealthMethods.Check, new HealthCheckRequest { Service = "nope" }));

        Assert.Equal(ServingStatus.Serving, whole.Status);
        Assert.Equal(ServingStatus.NotServing, sync.Status);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Watch_sends_the_current_status_then_each_change_and_SERVICE_UNKNOWN_for_unknown_services()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcHealthService());
        var health = server.App.Services.GetRequiredService<GrpcHealthService>();
        using var channel = server.CreateChannel();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        using var call = channel.ServerStreaming(HealthMethods.Watch, new HealthCheckRequest { Service = "relay" });
        var seen = new List<ServingStatus>();
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
        seen.Add(call.ResponseStream.Current.Status);
        health.SetStatus("relay", ServingStatus.Serving);
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
        seen.Add(call.ResponseStream.Current.Status);
        health.SetStatus("relay", ServingStatus.NotServing);
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
        seen.Add(call.ResponseStream.Current.Status);

        Assert.Equal([ServingStatus.ServiceUnknown, ServingStatus.Serving, ServingStatus.NotServing], seen);
    }
}
