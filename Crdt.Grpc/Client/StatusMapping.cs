using System.Net;
using System.Net.Http;

namespace Crdt.Grpc.Client;

/// <summary>What a client reports when the peer gave no grpc-status (PROTOCOL-HTTP2.md, GRPC-NOTES).</summary>
internal static class StatusMapping
{
    /// <summary>HTTP status of a non-gRPC answer to the gRPC code grpc-js reports.</summary>
    public static StatusCode FromHttpStatus(HttpStatusCode status) => (int)status switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>RST_STREAM error code to the status it means for the call.</summary>
    public static StatusCode FromHttp2Error(long errorCode) => errorCode switch
    {
        // NO_ERROR without a status: the server closed the connection (GOAWAY on shutdown) under a
        // call it never answered. A stream reset with NO_ERROR only follows a complete response,
        // whose status we already have, so here it means "server went away": retryable.
        0x0 => StatusCode.Unavailable,
        0x7 => StatusCode.Unavailable,        // REFUSED_STREAM: nothing processed
        0x8 => StatusCode.Cancelled,          // CANCEL
        0xb => StatusCode.ResourceExhausted,  // ENHANCE_YOUR_CALM
        0xc => StatusCode.PermissionDenied,   // INADEQUATE_SECURITY
        _ => StatusCode.Internal,
    };

    /// <summary>A transport failure to a status: stream resets by their code, anything else UNAVAILABLE.</summary>
    public static Status FromTransportException(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
            {
                return new Status(FromHttp2Error(protocol.ErrorCode), $"HTTP/2 error from the server: {protocol.Message}");
            }
        }

        return new Status(StatusCode.Unavailable, $"Error connecting or talking to the server: {exception.Message}");
    }
}
