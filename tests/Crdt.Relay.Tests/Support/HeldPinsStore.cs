using System.Reflection;
using System.Runtime.ExceptionServices;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Tests.Support;

/// <summary>A shared store whose pin lookups wait until the test lets them go; everything else goes
/// to the real store. Holds a call that reads the caller's pins before it starts (a technician's
/// Documents.Watch) at a known point, so a test decides what commits before the call is set up.</summary>
public class HeldPinsStore : DispatchProxy
{
    private ISharedRelayStore _inner = null!;
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first pin lookup has started (and is being held).</summary>
    public Task Entered => _entered.Task;

    /// <summary>Lets the held pin lookups, and every later one, go on to the real store.</summary>
    public void Release() => _released.TrySetResult();

    public static (ISharedRelayStore Store, HeldPinsStore Gate) Over(ISharedRelayStore inner)
    {
        var proxy = Create<ISharedRelayStore, HeldPinsStore>();
        var gate = (HeldPinsStore)(object)proxy;
        gate._inner = inner;
        return (proxy, gate);
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (method!.Name == nameof(ISharedRelayStore.ListPinsAsync))
        {
            return HeldAsync(args!);
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

    private async Task<IReadOnlyList<PinRecord>> HeldAsync(object?[] args)
    {
        _entered.TrySetResult();
        await _released.Task.WaitAsync((CancellationToken)args[2]!);
        return await _inner.ListPinsAsync((string)args[0]!, (string)args[1]!, (CancellationToken)args[2]!);
    }
}
