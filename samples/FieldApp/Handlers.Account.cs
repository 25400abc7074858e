using System.Text;
using Crdt.Replica;

namespace FieldApp;

internal static partial class Handlers
{
    public static async Task<int> StatusAsync(Session session, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var status = replica.GetStatus();
        if (session.Json)
        {
            JsonOut.Write(session.Output, json =>
            {
                json.WriteStartObject();
                json.WriteString("replica", status.Id.Value);
                json.WriteString("user", status.User);
                json.WriteString("relay", status.RelayUrl);
                json.WritePropertyName("relays");
                json.WriteStartArray();
                foreach (var address in status.RelayUrls)
                {
                    json.WriteStringValue(address);
                }
                json.WriteEndArray();
                json.WriteBoolean("workOffline", status.WorkOffline);
                json.WriteNumber("pending", status.Pending);
                json.WritePropertyName("pendingByUser");
                json.WriteStartObject();
                foreach (var (user, count) in status.PendingByUser)
                {
                    json.WriteNumber(user.Length == 0 ? "(nobody)" : user, count);
                }
                json.WriteEndObject();
                json.WritePropertyName("documents");
                json.WriteStartObject();
                foreach (var (collection, count) in status.Documents)
                {
                    json.WriteNumber(collection, count);
                }
                json.WriteEndObject();
                json.WriteNumber("openFlags", status.OpenFlags);
                json.WriteNumber("formatVersion", status.FormatVersion);
                json.WriteEndObject();
            });
            return FieldAppCommands.ExitOk;
        }
        var text = new StringBuilder();
        text.AppendLine($"replica {status.Id} ({status.Path}, format v{status.FormatVersion})");
        text.AppendLine(status.User is null ? "nobody signed in" : $"signed in as {status.User} at {status.RelayUrl}" +
            (status.RelayUrls.Count > 1 ? $" (relay nodes: {string.Join(", ", status.RelayUrls)})" : ""));
        text.AppendLine(status.WorkOffline ? "work offline: ON (nothing is sent)" : "work offline: off");
        text.AppendLine($"pending changes: {status.Pending}" +
            (status.PendingByUser.Count > 0 ? " (" + string.Join(", ", status.PendingByUser.Select(p => $"{(p.Key.Length == 0 ? "(nobody)" : p.Key)}: {p.Value}")) + ")" : ""));
        text.AppendLine($"documents: {(status.Documents.Count == 0 ? "none" : string.Join(", ", status.Documents.Select(d => $"{d.Value} {d.Key}")))}");
        text.AppendLine($"open flags: {status.OpenFlags}");
        session.Output.Write(text.ToString());
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> BackupExportAsync(Session session, string file, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        return Backup(session, "wrote backup", await replica.ExportBackupAsync(file, ct));
    }

    public static async Task<int> BackupImportAsync(Session session, string file, CancellationToken ct)
    {
        if (!File.Exists(session.DatabasePath))
        {
            var summary = await DeviceReplica.InspectBackupAsync(file, ct);
            await using var restored = await DeviceReplica.RestoreAsync(session.DatabasePath, file, cancellationToken: ct);
            return Backup(session, $"restored device {restored.Id} into {session.DatabasePath} from", summary);
        }
        await using var replica = await session.OpenAsync(ct);
        return Backup(session, "imported backup", await replica.ImportBackupAsync(file, ct));
    }

    public static async Task<int> SignOutAsync(Session session, bool force, string? backup, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var user = replica.CurrentUser;
        var written = await replica.SignOutAsync(force, backup, ct);
        session.Print($"signed out {user}" + (written is null ? "" : $"; unsynced changes kept on the device and backed up to {written}"),
            json => json.WriteString("backup", written));
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> WipeAsync(Session session, bool force, string? backup, CancellationToken ct)
    {
        var replica = await session.OpenAsync(ct);
        var written = await replica.WipeAsync(force, backup, ct);
        session.Print($"wiped {session.DatabasePath}" + (written is null ? "" : $"; unsynced changes backed up to {written}"),
            json => json.WriteString("backup", written));
        return FieldAppCommands.ExitOk;
    }

    private static int Backup(Session session, string verb, BackupSummary summary)
    {
        session.Print($"{verb} {summary.Path}: device {summary.DeviceId}, {summary.Documents} documents, {summary.Ops} ops, {summary.Pending} pending",
            json =>
            {
                json.WriteString("path", summary.Path);
                json.WriteString("device", summary.DeviceId);
                json.WriteNumber("documents", summary.Documents);
                json.WriteNumber("ops", summary.Ops);
                json.WriteNumber("pending", summary.Pending);
            });
        return FieldAppCommands.ExitOk;
    }
}
