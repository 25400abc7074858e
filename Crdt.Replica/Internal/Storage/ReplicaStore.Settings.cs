using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

internal sealed partial class ReplicaStore
{
    public string? GetSetting(string key) => GetSetting(key, null);

    private string? GetSetting(string key, SqliteTransaction? tx)
    {
        using var command = database.Command("SELECT value FROM settings WHERE key = $k", tx);
        command.Parameters.AddWithValue("$k", key);
        return command.ExecuteScalar() as string;
    }

    public void SetSetting(string key, string? value) => Write("save setting", tx => SetSetting(key, value, tx));

    internal void SetSetting(string key, string? value, SqliteTransaction tx)
    {
        var command = database.Prepared(value is null
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
        using var command = database.Command("SELECT cursor FROM sync_cursor WHERE user_name = $u");
        command.Parameters.AddWithValue("$u", userName);
        return command.ExecuteScalar() is long cursor ? (ulong)cursor : 0;
    }

    private void SetCursor(string userName, ulong cursor, SqliteTransaction tx)
    {
        using var command = database.Command(
            "INSERT INTO sync_cursor(user_name, cursor) VALUES($u, $c) ON CONFLICT(user_name) DO UPDATE SET cursor = excluded.cursor", tx);
        command.Parameters.AddWithValue("$u", userName);
        command.Parameters.AddWithValue("$c", (long)cursor);
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<StoredCredentials> AllCredentials()
    {
        using var command = database.Command("SELECT user_name, relay_url, token FROM credentials ORDER BY user_name");
        var result = new List<StoredCredentials>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new StoredCredentials(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        return result;
    }

    /// <summary>Saves a user's credentials and makes them the current user, in one transaction.</summary>
    public void SignIn(StoredCredentials credentials) => Write("save credentials", tx =>
    {
        using var command = database.Command(
            """
            INSERT INTO credentials(user_name, relay_url, token) VALUES($u, $r, $t)
            ON CONFLICT(user_name) DO UPDATE SET relay_url = excluded.relay_url, token = excluded.token
            """, tx);
        command.Parameters.AddWithValue("$u", credentials.UserName);
        command.Parameters.AddWithValue("$r", credentials.RelayUrl);
        command.Parameters.AddWithValue("$t", credentials.Token);
        command.ExecuteNonQuery();
        SetSetting(SettingKeys.CurrentUser, credentials.UserName, tx);
    });

    /// <summary>Forgets a user's credentials and cursor (their op log entries stay: they are shared data).</summary>
    public void SignOut(string userName) => Write("sign out", tx =>
    {
        foreach (var table in new[] { "credentials", "sync_cursor" })
        {
            using var command = database.Command($"DELETE FROM {table} WHERE user_name = $u", tx);
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
        using var command = database.Command("UPDATE outbox SET user_name = $u WHERE user_name = ''", tx);
        command.Parameters.AddWithValue("$u", userName);
        command.ExecuteNonQuery();
    });
}
