using Microsoft.Data.Sqlite;

namespace Crdt.Replica.Internal.Storage;

/// <summary>One attachment whose bytes wait to be uploaded (<c>refused</c>: the relay's reason when it will not take them).</summary>
internal sealed record QueuedUpload(string Sha256, long Size, string ContentType, string Name, long QueuedAt, string? Refused);

internal sealed partial class ReplicaStore
{
    /// <summary>Queues an upload inside the transaction of the edit that adds the element (the same
    /// bytes attached twice are queued once).</summary>
    public void QueueUpload(QueuedUpload upload, SqliteTransaction? tx)
    {
        using var command = _database.Command("""
            INSERT INTO attachment_uploads(sha256, size, content_type, name, queued_at, refused)
            VALUES($h, $s, $c, $n, $q, NULL) ON CONFLICT(sha256) DO NOTHING
            """, tx);
        command.Parameters.AddWithValue("$h", upload.Sha256);
        command.Parameters.AddWithValue("$s", upload.Size);
        command.Parameters.AddWithValue("$c", upload.ContentType);
        command.Parameters.AddWithValue("$n", upload.Name);
        command.Parameters.AddWithValue("$q", upload.QueuedAt);
        command.ExecuteNonQuery();
    }

    /// <summary>The queue, oldest first.</summary>
    public IReadOnlyList<QueuedUpload> QueuedUploads()
    {
        using var command = _database.Command("SELECT sha256, size, content_type, name, queued_at, refused FROM attachment_uploads ORDER BY queued_at, sha256");
        using var reader = command.ExecuteReader();
        var queued = new List<QueuedUpload>();
        while (reader.Read())
        {
            queued.Add(new QueuedUpload(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return queued;
    }

    /// <summary>The relay holds the whole attachment: it leaves the queue.</summary>
    public void Uploaded(string sha256) => Write("record an uploaded attachment", tx =>
    {
        using var command = _database.Command("DELETE FROM attachment_uploads WHERE sha256 = $h", tx);
        command.Parameters.AddWithValue("$h", sha256);
        command.ExecuteNonQuery();
    });

    /// <summary>The relay refused the bytes for good (policy, hash): kept with the reason, skipped from then on.</summary>
    public void UploadRefused(string sha256, string reason) => Write("record a refused attachment", tx =>
    {
        using var command = _database.Command("UPDATE attachment_uploads SET refused = $r WHERE sha256 = $h", tx);
        command.Parameters.AddWithValue("$h", sha256);
        command.Parameters.AddWithValue("$r", reason);
        command.ExecuteNonQuery();
    });
}
