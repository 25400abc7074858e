using Crdt.Replica;

namespace FieldApp;

internal static partial class Handlers
{
    public static async Task<int> RefusedListAsync(Session session, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var edits = replica.RefusedEdits();
        if (session.Json)
        {
            JsonOut.Write(session.Output, json =>
            {
                json.WriteStartObject();
                json.WritePropertyName("refused");
                json.WriteStartArray();
                foreach (var edit in edits)
                {
                    json.WriteStartObject();
                    DeviceReplica.WriteRefusedEdit(json, edit);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            });
            return FieldAppCommands.ExitOk;
        }
        if (edits.Count == 0)
        {
            session.Output.WriteLine("no refused edits");
            return FieldAppCommands.ExitOk;
        }
        session.Output.WriteLine($"{edits.Count} edit(s) the relay refused; they stay here until you discard them " +
            "(export them first to keep what was typed):");
        foreach (var edit in edits)
        {
            session.Output.WriteLine($"  {edit.Id}  {edit.Document}  by {edit.Author}, {edit.RefusedAt:yyyy-MM-dd HH:mm} UTC");
            session.Output.WriteLine($"      {edit.Status}: {edit.Reason}");
        }
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> RefusedDiscardAsync(Session session, string id, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        if (!await replica.DiscardRefusedAsync(id, ct))
        {
            throw new FieldAppException($"no refused edit '{id}' (see `refused` for the list)");
        }
        session.Print($"discarded refused edit {id}", json => json.WriteString("discarded", id));
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> RefusedRetryAsync(Session session, string id, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        if (!await replica.RetryRefusedAsync(id, ct))
        {
            throw new FieldAppException($"no refused edit '{id}' (see `refused` for the list)");
        }
        session.Print($"refused edit {id} is back in the outbox; it goes out with the next sync", json => json.WriteString("retrying", id));
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> RefusedExportAsync(Session session, string file, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var count = await replica.ExportRefusedAsync(file, ct);
        var full = Path.GetFullPath(file);
        session.Print($"wrote {count} refused edit(s) to {full}", json =>
        {
            json.WriteString("file", full);
            json.WriteNumber("count", count);
        });
        return FieldAppCommands.ExitOk;
    }
}
