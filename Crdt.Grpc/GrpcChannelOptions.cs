using System.Net.Security;

namespace Crdt.Grpc;

/// <summary>Settings of a <see cref="GrpcChannel"/>; defaults follow grpc-core and grpc-js.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted (after decompression); null for no limit. Default 4 MiB.</summary>
    public int? MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent; null (the default) for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// Send an HTTP/2 PING after this long without frames from the server, to notice a dead connection
    /// (and keep NATs open). Default off, as in grpc-core.
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>How long to wait for the PING answer before dropping the connection (default 20 s).</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Also ping while no call is active (grpc-js keepalive_permit_without_calls). Default false.</summary>
    public bool KeepAlivePingWithoutCalls { get; set; }

    /// <summary>Compress every request with this <c>grpc-encoding</c> ("gzip"/"deflate"); null (default) for none.</summary>
    public string? RequestCompression { get; set; }

    /// <summary>How long to wait for a TCP (and TLS) connection. Default 20 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>For https addresses: validate the server certificate yourself (e.g. a test's self-signed one).</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    /// <summary>Use this handler instead of the channel's own SocketsHttpHandler (not disposed with the channel).</summary>
    public HttpMessageHandler? HttpHandler { get; set; }
}
