using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

internal sealed partial class ReplicaStore
{
    public string? GetSetting(string key) => GetSetting(key, null);

    private string? GetSetting(string key, SqliteTransaction? tx)
    {
        using var command = _database.Command("SELECT value FROM settings WHERE key = $k", tx);
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() as string;
    }

    public void SetSetting(string key, string? value) => Write("save setting", tx => SetSetting(key, value, tx));

    internal void SetSetting(string key, string? value, SqliteTransaction tx)
    {
        var command = _database.Prepared(value is null
            ? "DELETE FROM settings WHERE key = $k"
            : "INSERT INTO settings(key, value) VALUES($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", tx);
        command.Parameters.AddWithValue("$k", key);
        if (value is not null)
        {
            command.Parameters.AddWithValue("$v", value);
        }
        command.ExecuteNonQuery();
    }

    /// <summary>Where this user's pulls resume (0: never pulled, bootstrap).</summary>
    public ulong GetCursor(string userName)
    {
        using var command = _database.Command("SELECT cursor FROM sync_cursor WHERE user_name = $u");
        command.Parameters.AddWithValue("$u", userName);
        return command.ExecuteScalar() is long cursor ? (ulong)cursor : 0;
    }

    private void SetCursor(string userName, ulong cursor, SqliteTransaction tx)
    {
        using var command = _database.Command(
            "INSERT INTO sync_cursor(user_name, cursor) VALUES($u, $c) ON CONFLICT(user_name) DO UPDATE SET cursor = excluded.cursor", tx);
        command.Parameters.AddWithValue("$u", userName);
        command.Parameters.AddWithValue("$c", (long)cursor);
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<StoredCredentials> AllCredentials()
    {
        using var command = _database.Command("SELECT user_name, relay_url, token FROM credentials ORDER BY user_name");
        return command.ReadAll(reader => new StoredCredentials(reader.GetString(0), reader.GetString(1),
            _secrets.Unprotect(reader.GetString(2), SecretText.TokenPurpose, $"the saved sign-in of '{reader.GetString(0)}'; sign in again")));
    }

    /// <summary>Saves a user's credentials and makes them the current user, in one transaction.</summary>
    public void SignIn(StoredCredentials credentials) => Write("save credentials", tx =>
    {
        using var command = _database.Command(
            """
            INSERT INTO credentials(user_name, relay_url, token) VALUES($u, $r, $t)
            ON CONFLICT(user_name) DO UPDATE SET relay_url = excluded.relay_url, token = excluded.token
            """, tx);
        command.Parameters.AddWithValue("$u", credentials.UserName);
        command.Parameters.AddWithValue("$r", credentials.RelayUrl);
        command.Parameters.AddWithValue("$t", _secrets.Protect(credentials.Token, SecretText.TokenPurpose));
        command.ExecuteNonQuery();
        SetSetting(SettingKeys.CurrentUser, credentials.UserName, tx);
    });

    /// <summary>
    /// Forgets a user's credentials and cursor (their op log entries stay: they are shared data).
    /// With secure_delete the token's bytes are overwritten; the checkpoint then takes them out of
    /// the WAL as well, so no copy of the token is left in the replica's files.
    /// </summary>
    public void SignOut(string userName)
    {
        ForgetCredentials(userName);
        try
        {
            _database.Checkpoint();
        }
        catch (SqliteException ex)
        {
            throw StorageErrors.From(ex, _database.Path, "sign out");
        }
    }

    private void ForgetCredentials(string userName) => Write("sign out", tx =>
    {
        foreach (var table in new[] { "credentials", "sync_cursor" })
        {
            using var command = _database.Command($"DELETE FROM {table} WHERE user_name = $u", tx);
            command.Parameters.AddWithValue("$u", userName);
            command.ExecuteNonQuery();
        }
        if (GetSetting(SettingKeys.CurrentUser, tx) == userName)
        {
            SetSetting(SettingKeys.CurrentUser, null, tx);
        }
    });

    /// <summary>Edits saved while nobody was signed in become this person's.</summary>
    public void AdoptUnattributed(string userName) => Write("attribute edits", tx =>
    {
        using var command = _database.Command("UPDATE outbox SET user_name = $u WHERE user_name = ''", tx);
        command.Parameters.AddWithValue("$u", userName);
        command.ExecuteNonQuery();
    });

    /// <summary>This install's replica key (null before the first open made one).</summary>
    public string? GetReplicaKey() => GetSetting(SettingKeys.ReplicaKey) is { } stored
        ? _secrets.Unprotect(stored, SecretText.ReplicaKeyPurpose,
            "the replica key (the key that protects it is missing or changed: put the key file back, or restore a backup into a new replica file)")
        : null;

    public void SetReplicaKey(string replicaKey) => SetSetting(SettingKeys.ReplicaKey, _secrets.Protect(replicaKey, SecretText.ReplicaKeyPurpose));

    /// <summary>
    /// A file written before secrets were protected holds its tokens and replica key in plain text:
    /// they are protected now, in one transaction, and the checkpoint leaves the old bytes nowhere
    /// (secure_delete zeroes the replaced cells).
    /// </summary>
    internal void ProtectLegacySecrets()
    {
        var changed = Write("protect saved secrets", tx =>
        {
            var count = 0;
            if (GetSetting(SettingKeys.ReplicaKey, tx) is { } key && !SecretText.IsProtected(key))
            {
                SetSetting(SettingKeys.ReplicaKey, _secrets.Protect(key, SecretText.ReplicaKeyPurpose), tx);
                count++;
            }
            List<(string User, string Token)> plain;
            using (var select = _database.Command("SELECT user_name, token FROM credentials", tx))
            {
                plain = select.ReadAll(reader => (User: reader.GetString(0), Token: reader.GetString(1)))
                    .Where(row => !SecretText.IsProtected(row.Token)).ToList();
            }
            foreach (var (user, token) in plain)
            {
                using var update = _database.Command("UPDATE credentials SET token = $t WHERE user_name = $u", tx);
                update.Parameters.AddWithValue("$u", user);
                update.Parameters.AddWithValue("$t", _secrets.Protect(token, SecretText.TokenPurpose));
                update.ExecuteNonQuery();
                count++;
            }
            return count;
        });
        if (changed > 0)
        {
            _database.Checkpoint();
        }
    }
}
