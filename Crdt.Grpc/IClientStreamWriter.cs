namespace Crdt.Grpc;

/// <summary>The request side of a client-streaming or duplex call.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Half-closes the call: tells the server no more requests will come.</summary>
    Task CompleteAsync();
}
