using System.Reflection;
using System.Runtime.ExceptionServices;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Tests.Support;

/// <summary>What a shared store with bounded history is: both contracts (so a proxy of it is both).</summary>
public interface ICompactingSharedStore : ISharedRelayStore, ICompactionStore
{
}

/// <summary>
/// A node's shared store that can be cut off from the log: while <see cref="CutOff"/>, reading the log fails as if
/// the database were away and wake-ups are lost, so the node falls behind; everything else goes to the real store.
/// </summary>
public class CutOffStore : DispatchProxy
{
    private object _inner = null!;

    public volatile bool CutOff;

    /// <summary>While set, reading the log fails with this instead (a failure other than the database's: a bug).</summary>
    public volatile Exception? Failure;

    /// <summary>How many log reads <see cref="Failure"/> has failed.</summary>
    public int FailedReads => Volatile.Read(ref _failedReads);

    private int _failedReads;

    public static (ICompactingSharedStore Store, CutOffStore Control) Over<T>(T inner) where T : ISharedRelayStore, ICompactionStore
    {
        var proxy = Create<ICompactingSharedStore, CutOffStore>();
        var control = (CutOffStore)(object)proxy;
        control._inner = inner;
        return (proxy, control);
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (method!.Name == nameof(ISharedRelayStore.ListenForAppendsAsync))
        {
            var wake = (Action<string?>)args![0]!;
            args[0] = (Action<string?>)(tenant => { if (!CutOff) wake(tenant); });
        }
        else if (Failure is { } failure && method.Name == nameof(IRelayStore.ReadLogAsync))
        {
            Interlocked.Increment(ref _failedReads);
            return Task.FromException<IReadOnlyList<LogEntry>>(failure);
        }
        else if (CutOff && method.Name == nameof(IRelayStore.ReadLogAsync))
        {
            return Task.FromException<IReadOnlyList<LogEntry>>(new StoreUnavailableException("cut off from the database (test)"));
        }
        try
        {
            // The interface's method, invoked on the real store (which implements every interface it comes from).
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException e)
        {
            ExceptionDispatchInfo.Throw(e.InnerException!);
            throw;
        }
    }
}
