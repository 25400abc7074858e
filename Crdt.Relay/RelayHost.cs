namespace Crdt.Relay;

/// <summary>A running relay.</summary>
public sealed class RelayHost : IAsyncDisposable
{
    public Uri Address { get; } = new("http://127.0.0.1:0");

    public static Task<RelayHost> StartAsync(RelayOptions options, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("waiting for the gRPC layer");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
