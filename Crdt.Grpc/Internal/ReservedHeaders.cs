namespace Crdt.Grpc.Internal;

/// <summary>
/// Header names the protocol itself owns. Users may not set them as metadata, and received
/// headers with these names are not surfaced as metadata.
/// </summary>
internal static class ReservedHeaders
{
    public const string ContentType = "content-type";
    public const string Te = "te";
    public const string UserAgent = "user-agent";
    public const string GrpcTimeout = "grpc-timeout";
    public const string GrpcEncoding = "grpc-encoding";
    public const string GrpcAcceptEncoding = "grpc-accept-encoding";
    public const string GrpcStatus = "grpc-status";
    public const string GrpcMessage = "grpc-message";

    public const string GrpcContentType = "application/grpc";

    /// <summary>Reserved for users too: setting these would corrupt the call.</summary>
    public static bool IsReserved(string lowerKey) => lowerKey switch
    {
        ContentType or Te or GrpcTimeout or GrpcEncoding or GrpcAcceptEncoding or GrpcStatus or GrpcMessage => true,
        "content-length" or "host" or "connection" or "transfer-encoding" or "accept-encoding" or "grpc-message-type" => true,
        _ => lowerKey.StartsWith(':'),
    };

    /// <summary>Received headers that are not surfaced as metadata.</summary>
    public static bool IsHiddenOnReceive(string lowerKey) => IsReserved(lowerKey) || lowerKey == "date" || lowerKey == "server";

    /// <summary>True for <c>application/grpc</c>, <c>application/grpc+proto</c>, <c>application/grpc;...</c>.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(GrpcContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (contentType.Length == GrpcContentType.Length)
        {
            return true;
        }

        var next = contentType[GrpcContentType.Length];
        return next is '+' or ';';
    }
}
