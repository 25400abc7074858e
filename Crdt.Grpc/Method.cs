using Google.Protobuf;

namespace Crdt.Grpc;

/// <summary>
/// Describes one RPC: its kind, its names and how to parse its messages. Declared once (usually as a
/// static field beside the service) and shared by the server registration and the client calls.
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public Method(
        MethodType type,
        string serviceName,
        string name,
        MessageParser<TRequest> requestParser,
        MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (serviceName.Contains('/') || name.Contains('/'))
        {
            throw new ArgumentException($"gRPC service and method names cannot contain '/': '{serviceName}', '{name}'.");
        }

        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = "/" + serviceName + "/" + name;
        RequestParser = requestParser ?? throw new ArgumentNullException(nameof(requestParser));
        ResponseParser = responseParser ?? throw new ArgumentNullException(nameof(responseParser));
    }

    public MethodType Type { get; }

    /// <summary>The fully-qualified service name, e.g. <c>grpc.health.v1.Health</c>.</summary>
    public string ServiceName { get; }

    /// <summary>The method name within the service, e.g. <c>Check</c>.</summary>
    public string Name { get; }

    /// <summary>The HTTP/2 <c>:path</c> of the method, e.g. <c>/grpc.health.v1.Health/Check</c>.</summary>
    public string FullName { get; }

    public MessageParser<TRequest> RequestParser { get; }

    public MessageParser<TResponse> ResponseParser { get; }

    public override string ToString() => FullName;
}
