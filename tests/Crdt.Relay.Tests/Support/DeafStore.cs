using System.Reflection;
using System.Runtime.ExceptionServices;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Tests.Support;

/// <summary>A shared store whose wake-ups never arrive (as if every NOTIFY were lost); everything
/// else goes to the real store. Shows that a node still gets every op, from its sweep of the log.</summary>
public class DeafStore : DispatchProxy
{
    private ISharedRelayStore _inner = null!;

    public static ISharedRelayStore Over(ISharedRelayStore inner)
    {
        var proxy = Create<ISharedRelayStore, DeafStore>();
        ((DeafStore)(object)proxy)._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (method!.Name == nameof(ISharedRelayStore.ListenForAppendsAsync))
        {
            // Listens, hears nothing, and ends quietly when the node stops.
            return Task.Delay(Timeout.Infinite, (CancellationToken)args![1]!).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        try
        {
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException e)
        {
            ExceptionDispatchInfo.Throw(e.InnerException!);
            throw;
        }
    }
}
