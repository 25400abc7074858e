using Crdt.Grpc;
using Grpc.Health.V1;
using Crdt.Relay.Tests.Support;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards that load balancers can probe the relay without a token.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task The_relay_and_each_service_report_serving_without_a_token()
    {
        await using var relay = await TestRelay.StartAsync();
        using var channel = GrpcChannel.ForAddress(relay.Host.Address);

        foreach (var service in new[] { "", "crdtfieldstore.v1.Sync", "crdtfieldstore.v1.Documents", "crdtfieldstore.v1.Admin" })
        {
            var answer = await channel.UnaryAsync(HealthMethods.Check, new HealthCheckRequest { Service = service });
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);
        }
    }
}
