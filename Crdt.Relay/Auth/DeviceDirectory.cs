using System.Collections.Concurrent;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Auth;

/// <summary>
/// Resolves bearer tokens to devices and ends revoked devices' calls. Tokens are looked up by
/// hash in the store and cached; the cache is dropped whenever the store's device epoch moves
/// (a device added or revoked, by this process or by the CLI in another one). Each active device
/// has a cancellation token that fires when it is revoked, which open streams link to, so a
/// revocation ends them at once rather than at their next message.
/// </summary>
internal sealed class DeviceDirectory : IAsyncDisposable
{
    private readonly IRelayStore _store;
    private readonly ConcurrentDictionary<string, DeviceRecord?> _byTokenHash = new();
    private readonly ConcurrentDictionary<(string Tenant, string Name), CancellationTokenSource> _revocations = new();
    private readonly ConcurrentDictionary<(string Tenant, string Name), bool> _revoked = new();
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _poller;
    private long _epoch;

    public DeviceDirectory(IRelayStore store, TimeSpan pollInterval)
    {
        _store = store;
        _epoch = store.GetDeviceEpochAsync().GetAwaiter().GetResult();
        _poller = Task.Run(() => PollAsync(pollInterval));
    }

    /// <summary>The active device holding <paramref name="token"/>, or null (unknown or revoked).</summary>
    public async ValueTask<CallerIdentity?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        var hash = Devices.DeviceTokens.Hash(token);
        var key = Convert.ToHexString(hash);
        if (!_byTokenHash.TryGetValue(key, out var device))
        {
            try
            {
                device = await _store.FindDeviceByTokenHashAsync(hash, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (_store.DescribeFault(e) is { } fault)
            {
                // A damaged devices table is the store's failure, not the caller's: never UNKNOWN.
                throw new global::Grpc.Core.RpcException(new global::Grpc.Core.Status(fault.DataLost ? global::Grpc.Core.StatusCode.DataLoss : global::Grpc.Core.StatusCode.Unavailable, fault.Message));
            }
            _byTokenHash[key] = device;
        }
        return device is null || device.IsRevoked ? null : new CallerIdentity(device.Tenant, device.Name, device.Role);
    }

    /// <summary>Fires when the device is revoked; already cancelled when it is.</summary>
    public CancellationToken RevocationToken(CallerIdentity caller)
    {
        var key = (caller.Tenant, caller.Name);
        var source = _revocations.GetOrAdd(key, _ => new CancellationTokenSource());
        // Revoked between authentication and here: the refresh that saw it may have run before
        // this source existed, so cancel it now.
        if (_revoked.ContainsKey(key))
        {
            source.Cancel();
        }

        return source.Token;
    }

    /// <summary>Looks at the store now (the Admin service calls it after a change of its own).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var epoch = await _store.GetDeviceEpochAsync(cancellationToken).ConfigureAwait(false);
            if (epoch == Interlocked.Read(ref _epoch))
            {
                return;
            }

            Interlocked.Exchange(ref _epoch, epoch);
            _byTokenHash.Clear();
            var revoked = (await _store.ListDevicesAsync(null, includeRevoked: true, cancellationToken).ConfigureAwait(false))
                .Where(d => d.IsRevoked);
            foreach (var device in revoked)
            {
                _revoked[(device.Tenant, device.Name)] = true;
                if (_revocations.TryGetValue((device.Tenant, device.Name), out var source))
                {
                    source.Cancel();
                }
            }
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private async Task PollAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await RefreshAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A busy or briefly unavailable database: try again at the next tick.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _poller.ConfigureAwait(false);
        _stop.Dispose();
    }
}
