using Microsoft.AspNetCore.Http;

namespace Crdt.Grpc.Server.Internal;

/// <summary>Answers a gRPC request for a path no method was mapped to: UNIMPLEMENTED, Trailers-Only.</summary>
internal static class UnimplementedHandler
{
    public static async Task HandleAsync(HttpContext httpContext, GrpcServerRuntime runtime)
    {
        var path = httpContext.Request.Path.Value ?? "";
        using var call = ServerCall.TryStart(httpContext, runtime, path);
        if (call is null)
        {
            return;
        }

        await call.CompleteWithErrorAsync(new RpcException(StatusCode.Unimplemented, $"The server does not implement the method {path}"));
    }
}
