using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Internal.Transport;

namespace Crdt.Replica;

/// <summary>
/// Several relay addresses for one person (nodes of one relay on a shared database): which one is
/// in use, and connections that move to the next node when one is unavailable (README "Running
/// several relays").
/// </summary>
public sealed partial class DeviceReplica
{
    // The node this file last moved to (read at open, kept in the settings): a new process starts
    // there rather than at a first address that may be the dead one (FieldApp runs a process per command).
    private string? _rememberedRelay;

    /// <summary>Every relay address the signed-in person gave, in their order (empty when nobody is signed in).</summary>
    public IReadOnlyList<string> RelayUrls => Locked(() => CurrentCredentials() is { } credentials ? RelayAddresses.Split(credentials.RelayUrl) : []);

    /// <summary>A connection for stored credentials: over every address they hold, following the replica's route.</summary>
    internal IRelayConnection Connect(StoredCredentials credentials) => Connect(credentials.RelayUrl, credentials.Token);

    /// <summary>
    /// A connection for <paramref name="storedAddresses"/> (see <see cref="RelayAddresses"/>): one address
    /// is connected to directly, as before; several go through a <see cref="FailoverRelayConnection"/>.
    /// </summary>
    internal IRelayConnection Connect(string storedAddresses, string token)
    {
        var route = Route(storedAddresses);
        return route.Addresses.Count == 1
            ? ConnectionFactory(route.Addresses[0], token)
            : new FailoverRelayConnection(route, address => ConnectionFactory(address, token));
    }

    /// <summary>The address of <paramref name="credentials"/> in use now.</summary>
    private string RelayInUse(StoredCredentials credentials) => Route(credentials.RelayUrl).CurrentAddress;

    private RelayRoute Route(string storedAddresses) => _channels.RouteFor(storedAddresses, _rememberedRelay, RememberRelay);

    /// <summary>The route moved (never under the replica's lock: calls to the relay are made outside it).</summary>
    private void RememberRelay(string address)
    {
        _rememberedRelay = address;
        try
        {
            Locked(() =>
            {
                _store.SetSetting(SettingKeys.RelayInUse, address);
                return true;
            });
        }
        catch (Exception e) when (e is ObjectDisposedException or ReplicaStorageException)
        {
            // Closed meanwhile, or the file refused the write: only the next start loses the hint.
        }
    }
}
