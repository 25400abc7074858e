namespace Crdt.Grpc.Server;

/// <summary>Server-wide settings of the gRPC layer; set them in <c>services.AddCrdtGrpc(options => ...)</c>.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted (after decompression); larger ones end the call with RESOURCE_EXHAUSTED. Default 4 MiB; null for no limit.</summary>
    public int? MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message a handler may send; null (the default) for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// Compress responses with this <c>grpc-encoding</c> ("gzip" or "deflate") whenever the client accepts
    /// it. Default null: responses are compressed only when the request was (with the same encoding) or
    /// a handler asks for it through <see cref="ServerCallContext.ResponseCompression"/>.
    /// </summary>
    public string? ResponseCompression { get; set; }

    /// <summary>Put the exception message of a failing handler into the UNKNOWN status detail. Default false (it may leak internals).</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Run before every handler, in order (after those registered in DI as <see cref="IServerCallInterceptor"/>).</summary>
    public IList<IServerCallInterceptor> Interceptors { get; } = new List<IServerCallInterceptor>();
}
