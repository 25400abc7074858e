using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Crdt.Relay.Tests.Support;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards that load balancers can probe the relay without a token (grpc.health.v1 from
/// the official Grpc.HealthCheck service), and that it stops saying SERVING when it shuts down.</summary>
public sealed class HealthTests
{
    private static readonly string[] Services = ["", "crdtfieldstore.v1.Sync", "crdtfieldstore.v1.Documents", "crdtfieldstore.v1.Admin"];

    [Fact]
    public async Task The_relay_and_each_service_report_serving_without_a_token()
    {
        await using var relay = await TestRelay.StartAsync();
        using var channel = GrpcChannel.ForAddress(relay.Host.Address);
        var health = new Health.HealthClient(channel);

        foreach (var service in Services)
        {
            var answer = await health.CheckAsync(new HealthCheckRequest { Service = service });
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);
        }
        var unknown = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest { Service = "no.such.Service" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Watch_reports_serving_then_not_serving_when_the_relay_shuts_down()
    {
        var relay = await TestRelay.StartAsync();
        using var channel = GrpcChannel.ForAddress(relay.Host.Address);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "crdtfieldstore.v1.Sync" }, cancellationToken: cancel.Token);

        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
        var shutdown = relay.DisposeAsync().AsTask();
        Assert.True(await watch.ResponseStream.MoveNext(cancel.Token));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, watch.ResponseStream.Current.Status);
        cancel.Cancel();
        await shutdown;
    }
}
