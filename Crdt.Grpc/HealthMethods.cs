using Grpc.Health.V1;

namespace Crdt.Grpc;

/// <summary>Descriptors of the standard <c>grpc.health.v1.Health</c> service, for clients and the server alike.</summary>
public static class HealthMethods
{
    public const string ServiceName = "grpc.health.v1.Health";

    /// <summary>Current status of a service ("" = the whole server); NOT_FOUND for an unknown service.</summary>
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        new(MethodType.Unary, ServiceName, "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    /// <summary>The current status, then one message per change, until the call is cancelled.</summary>
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch =
        new(MethodType.ServerStreaming, ServiceName, "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);
}
