using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica;

public sealed partial class DeviceReplica
{
    private string? _currentUser;

    /// <summary>The person signed in now (their edits carry this name), or null.</summary>
    public string? CurrentUser => _currentUser;

    /// <summary>The relay the signed-in person syncs with (of several addresses, the one in use now), or null.</summary>
    public string? RelayUrl => Locked(() => CurrentCredentials() is { } credentials ? RelayInUse(credentials) : null);

    /// <summary>
    /// Asks the relay who <paramref name="token"/> belongs to (Sync.WhoAmI), changing nothing here:
    /// a sign-in screen calls it before <see cref="SignInAsync"/>, so a mistyped token or a name
    /// that is not the registered one is refused at once rather than at the first sync. Throws
    /// <see cref="ReplicaSignInException"/> when the relay refuses the token or cannot be reached.
    /// </summary>
    public Task<RelayAccount> CheckSignInAsync(string relayUrl, string token, CancellationToken cancellationToken = default) =>
        CheckSignInToNodesAsync([relayUrl], token, cancellationToken);

    /// <summary>
    /// <see cref="CheckSignInAsync"/> against several nodes of one relay (processes on one shared
    /// database): the first that can be reached answers.
    /// </summary>
    public async Task<RelayAccount> CheckSignInToNodesAsync(IReadOnlyList<string> relayUrls, string token, CancellationToken cancellationToken = default)
    {
        CheckRelayUrlAndToken(relayUrls, token);
        var relayUrl = Internal.Transport.RelayAddresses.Join(relayUrls);
        using var connection = Connect(relayUrl, token);
        try
        {
            var account = await connection.WhoAmIAsync(cancellationToken).ConfigureAwait(false);
            return new RelayAccount(account.Name, account.Role, account.Tenant);
        }
        catch (Internal.Transport.RelayRefusedException ex)
        {
            throw new ReplicaSignInException(ex.CredentialsRejected
                ? $"{Internal.Transport.RelayAddresses.Describe(relayUrl)} does not know this token (mistyped, or its device was revoked)"
                : $"{Internal.Transport.RelayAddresses.Describe(relayUrl)} refused the sign-in check: {ex.Detail ?? ex.Message}", unreachable: false, ex);
        }
        catch (Internal.Transport.RelayUnreachableException ex)
        {
            throw new ReplicaSignInException($"{Internal.Transport.RelayAddresses.Describe(relayUrl)} cannot be reached ({ex.Message})", unreachable: true, ex);
        }
    }

    private static void CheckRelayUrlAndToken(IReadOnlyList<string> relayUrls, string token)
    {
        Internal.Transport.RelayAddresses.Check(relayUrls, "relayUrl");
        if (string.IsNullOrWhiteSpace(token) || token.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException("the token is empty or contains spaces", nameof(token));
        }
    }

    /// <summary>
    /// Signs a person in with the relay URL and the bearer token the operator registered for
    /// them. <paramref name="userName"/> is the device name the operator used (a technician's
    /// name is what work orders' assignee holds); when null the relay is asked whose token it is
    /// (<see cref="CheckSignInAsync"/>: <see cref="ReplicaSignInException"/> when it refuses the
    /// token or cannot be reached). A name given is kept unchecked, for signing in offline: the
    /// relay refuses the edits at the first sync if it is not the token's registered name.
    /// <para>
    /// Shared devices: if someone else is signed in and has unsynced edits, <paramref name="policy"/>
    /// decides. <see cref="PendingEditsPolicy.SyncFirst"/> pushes them under that person's
    /// credentials first and refuses the switch (changing nothing) if the relay cannot be
    /// reached. <see cref="PendingEditsPolicy.KeepForAuthor"/> keeps them, attributed and
    /// untouched, until that person signs in again. Never are they sent with the new
    /// person's token: the relay would record them as someone else's work.
    /// </para>
    /// </summary>
    public Task SignInAsync(string relayUrl, string token, string? userName = null,
        PendingEditsPolicy policy = PendingEditsPolicy.SyncFirst, CancellationToken cancellationToken = default) =>
        SignInToNodesAsync([relayUrl], token, userName, policy, cancellationToken);

    /// <summary>
    /// <see cref="SignInAsync"/> with several nodes of one relay (processes on one shared database,
    /// README "Running several relays"), stored so every later sync uses them all: the replica
    /// sticks to one while it works and moves to the next when it answers UNAVAILABLE or the
    /// connection breaks (push, pull, the live stream, attachment uploads).
    /// </summary>
    public async Task SignInToNodesAsync(IReadOnlyList<string> relayUrls, string token, string? userName = null,
        PendingEditsPolicy policy = PendingEditsPolicy.SyncFirst, CancellationToken cancellationToken = default)
    {
        CheckRelayUrlAndToken(relayUrls, token);
        var relayUrl = Internal.Transport.RelayAddresses.Join(relayUrls);
        // No name given: the relay says whose token it is (an edit's author must be that name).
        userName ??= (await CheckSignInToNodesAsync(relayUrls, token, cancellationToken).ConfigureAwait(false)).Name;
        var previous = _currentUser;
        if (previous is not null && previous != userName)
        {
            var pending = Locked(() => _store.PendingCount(previous));
            if (pending > 0 && policy == PendingEditsPolicy.SyncFirst)
            {
                try
                {
                    await SyncAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (ReplicaSyncException ex)
                {
                    throw new PendingChangesException(ex.Pending, $"signing in as '{userName}'",
                        $"{previous}'s {ex.Pending} unsynced change(s) could not be sent under {previous}'s own credentials ({ex.Message}); " +
                        "sync when online, or keep them for when they sign in again");
                }
                pending = Locked(() => _store.PendingCount(previous));
                if (pending > 0)
                {
                    throw new PendingChangesException(pending, $"signing in as '{userName}'",
                        $"{previous} still has {pending} unsynced change(s) (work offline is on?); sync first, or keep them for when they sign in again");
                }
            }
            Locked(() =>
            {
                _store.SignOut(previous);
                return true;
            });
        }
        await LockedAsync(() =>
        {
            _store.SignIn(new StoredCredentials(userName, relayUrl, token));
            // Edits made before anyone signed in belong to the first person who does.
            _store.AdoptUnattributed(userName);
            EnsureSigningKey();
            // Perhaps another relay now: its registration of the key is asked for again at the next push.
            _signingKeySettled.Remove(userName);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _currentUser = userName;
        _sync.RequestSync();
        _sync.Wake();
    }

    /// <summary>
    /// Signs the current person out. Refused with <see cref="PendingChangesException"/> (saying how
    /// many) while their edits are unsynced, unless forced; a forced sign-out first writes a
    /// backup and keeps the edits on the device, attributed to them, for when they sign in again.
    /// Returns the backup's path when one was written.
    /// </summary>
    public async Task<string?> SignOutAsync(bool force = false, string? backupPath = null, CancellationToken cancellationToken = default)
    {
        var user = _currentUser ?? throw new InvalidOperationException("nobody is signed in on this device");
        var pending = Locked(() => _store.PendingCount(user));
        string? written = null;
        if (pending > 0)
        {
            if (!force)
            {
                throw new PendingChangesException(pending, "sign-out");
            }
            written = (await ExportBackupAsync(backupPath ?? DefaultBackupPath("signout"), cancellationToken).ConfigureAwait(false)).Path;
        }
        Locked(() =>
        {
            _store.SignOut(user);
            return true;
        });
        _currentUser = null;
        return written;
    }

    /// <summary>
    /// Deletes this replica's file. Refused with <see cref="PendingChangesException"/> while
    /// anyone's edits are unsynced, unless forced; a forced wipe first writes a backup (returned).
    /// The replica is closed afterwards.
    /// </summary>
    public async Task<string?> WipeAsync(bool force = false, string? backupPath = null, CancellationToken cancellationToken = default)
    {
        // Refused edits are deleted with the file too: they count, so a wipe never drops them unasked.
        var pending = Locked(() => _store.PendingCount() + _store.RefusedCount());
        string? written = null;
        if (pending > 0)
        {
            if (!force)
            {
                throw new PendingChangesException(pending, "wipe");
            }
            written = (await ExportBackupAsync(backupPath ?? DefaultBackupPath("wipe"), cancellationToken).ConfigureAwait(false)).Path;
        }
        Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }
        if (_options.SecretProtector is null)
        {
            // The default protector's key served only this file.
            File.Delete(KeyFileSecretProtector.ForReplicaFile(Path).KeyFile);
        }
        return written;
    }

    /// <summary>What a status screen shows.</summary>
    public ReplicaStatus GetStatus() => Locked(() => new ReplicaStatus(
        Id,
        Path,
        _currentUser,
        CurrentCredentials() is { } credentials ? RelayInUse(credentials) : null,
        _sync.Connectivity,
        _sync.WorkOffline,
        _store.PendingCount(),
        _store.PendingByUser(),
        _store.DocumentKeys().GroupBy(key => key.Collection).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
        _store.Flags(Crdt.Core.FlagState.Open.ToString()).Count,
        _sync.LastError,
        _store.FormatVersion)
    {
        RelayUrls = CurrentCredentials() is { } signedIn ? Internal.Transport.RelayAddresses.Split(signedIn.RelayUrl) : [],
    });

    private StoredCredentials? CurrentCredentials() =>
        _currentUser is null ? null : _store.AllCredentials().FirstOrDefault(c => c.UserName == _currentUser);

    private string DefaultBackupPath(string reason) =>
        $"{Path}.{reason}-{_options.TimeProvider.GetUtcNow():yyyyMMdd-HHmmss}.crdtbak";
}
