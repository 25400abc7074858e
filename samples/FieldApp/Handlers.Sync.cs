using System.Globalization;
using System.Text;
using Crdt.Core;
using Crdt.Replica;

namespace FieldApp;

internal static partial class Handlers
{
    public static async Task<int> LoginAsync(Session session, string relay, string token, string? user, bool offline, PendingEditsPolicy policy, CancellationToken ct)
    {
        // Several nodes of one relay (processes on one database), comma-separated: the device moves to the next when one is down.
        var relays = relay.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        await using var replica = await session.OpenAsync(ct);
        var kept = replica.CurrentUser is { } previous && replica.PendingByUser.TryGetValue(previous, out var n) && n > 0 ? previous : null;
        if (offline)
        {
            // Unchecked: the relay checks the token at the first sync; the name cannot be looked up.
            if (user is null) throw new FieldAppException("--offline needs --user NAME (the name the operator registered): the relay cannot be asked");
        }
        else
        {
            RelayAccount account;
            try
            {
                account = await replica.CheckSignInToNodesAsync(relays, token, ct);
            }
            catch (ReplicaSignInException ex) when (ex.Unreachable)
            {
                throw new FieldAppException($"{ex.Message}; check the URL and that the relay runs, or sign in with --offline --user NAME to have the token checked at the first sync");
            }
            if (user is not null && user != account.Name)
                throw new FieldAppException($"--user '{user}' is not who this token belongs to: the relay registered it as '{account.Name}' ({account.Role}, tenant '{account.Tenant}')");
            user = account.Name;
        }
        await replica.SignInToNodesAsync(relays, token, user, policy, ct);
        var note = kept is not null && policy == PendingEditsPolicy.KeepForAuthor
            ? $"; {kept}'s unsynced edits stay on this device for when they sign in again"
            : "";
        session.Print($"signed in as {replica.CurrentUser} at {string.Join(", ", relays)} (device {replica.Id}){note}", json =>
        {
            json.WriteString("user", replica.CurrentUser);
            json.WriteString("relay", relay);
            json.WritePropertyName("relays");
            json.WriteStartArray();
            foreach (var address in relays)
            {
                json.WriteStringValue(address);
            }
            json.WriteEndArray();
            json.WriteString("replica", replica.Id.Value);
        });
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> SyncAsync(Session session, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var moved = await replica.SyncAsync(cancellationToken: ct);
        var text = replica.WorkOffline
            ? $"work offline is on: nothing was sent or received ({moved.Pending} pending)"
            : $"sent {moved.OpsSent} ops ({moved.BytesSent} bytes), received {moved.OpsReceived} items ({moved.BytesReceived} bytes), {moved.Pending} pending";
        if (replica.PendingAttachmentUploads is > 0 and var waiting)
        {
            text += $"; {waiting} attachment(s) not uploaded yet";
        }
        var refused = replica.RefusedEdits().Count;
        if (refused > 0)
        {
            text += $"; {refused} edit(s) refused by the relay (see `refused`)";
        }
        session.Print(text, json =>
        {
            JsonOut.Progress(json, moved);
            json.WriteNumber("refused", refused);
            json.WriteBoolean("workOffline", replica.WorkOffline);
            json.WriteNumber("openFlags", replica.Flags().Count);
        });
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> AgendaAsync(Session session, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var agenda = replica.WorkOffline
            ? new AgendaSummary(replica.WorkOrders(), replica.DocumentCounts(), SyncProgress.None with { Pending = replica.PendingCount })
            : await replica.CheckOutAgendaAsync(new Progress<SyncProgress>(p =>
            {
                if (!session.Json)
                {
                    session.Output.WriteLine($"  ... received {p.OpsReceived} items ({p.BytesReceived} bytes)");
                }
            }), ct);
        if (session.Json)
        {
            JsonOut.Write(session.Output, json =>
            {
                json.WriteStartObject();
                json.WritePropertyName("workOrders");
                json.WriteStartArray();
                foreach (var order in agenda.WorkOrders)
                {
                    json.WriteStartObject();
                    json.WriteString("id", order.Id);
                    json.WriteString("status", order.Status);
                    json.WriteString("title", order.Title);
                    json.WriteString("assignee", order.Assignee);
                    json.WriteNumber("totalHours", order.TotalHours);
                    json.WriteNumber("openFlags", order.Flags.Count(f => f.State == FlagState.Open));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WritePropertyName("documents");
                json.WriteStartObject();
                foreach (var (collection, count) in agenda.Documents)
                {
                    json.WriteNumber(collection, count);
                }
                json.WriteEndObject();
                JsonOut.Progress(json, agenda.Progress);
                json.WriteEndObject();
            });
            return FieldAppCommands.ExitOk;
        }
        var text = new StringBuilder();
        text.AppendLine($"{agenda.WorkOrders.Count} work order(s) on this device ({string.Join(", ", agenda.Documents.Select(d => $"{d.Value} {d.Key}"))}):");
        foreach (var order in agenda.WorkOrders)
        {
            var flags = order.Flags.Count(f => f.State == FlagState.Open);
            text.AppendLine($"  {order.Id,-12} {order.Status,-12} {order.TotalHours.ToString(CultureInfo.InvariantCulture),6} h  {order.Assignee,-10} {order.Title}{(flags > 0 ? $"  [{flags} flag(s)]" : "")}");
        }
        session.Output.Write(text.ToString());
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> OfflineAsync(Session session, bool on, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        await replica.SetWorkOfflineAsync(on, ct);
        session.Print(on ? $"work offline is on: nothing is sent until you switch it off ({replica.PendingCount} pending)" : "work offline is off: the next sync sends your changes",
            json => json.WriteBoolean("workOffline", on));
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> FlagsAsync(Session session, bool all, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var flags = replica.Flags(includeResolved: all);
        if (session.Json)
        {
            JsonOut.Write(session.Output, json =>
            {
                json.WriteStartObject();
                json.WritePropertyName("flags");
                JsonOut.Flags(json, flags);
                json.WriteEndObject();
            });
            return FieldAppCommands.ExitOk;
        }
        if (flags.Count == 0)
        {
            session.Output.WriteLine("no open flags");
        }
        foreach (var flag in flags)
        {
            var sides = flag.LoserValue is null ? "" : $" (stands: '{FieldValues.Show(flag.WinnerValue)}' by {flag.WinnerAuthor}{At(flag.WinnerAt)}; " +
                $"held back: '{FieldValues.Show(flag.LoserValue)}' by {flag.LoserAuthor}{At(flag.LoserAt)})";
            session.Output.WriteLine($"{flag.Id}  {flag.Kind} [{flag.Severity}, {flag.State}] {flag.Document}: {flag.Message}{sides}");
        }
        return FieldAppCommands.ExitOk;
    }

    private static string At(DateTimeOffset? when) => when is { } at ? $" at {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "";

    public static async Task<int> ResolveAsync(Session session, string flagId, string choice, CancellationToken ct)
    {
        var resolution = choice switch
        {
            "keep-mine" => Resolution.KeepMine,
            "keep-theirs" => Resolution.KeepTheirs,
            "accept" => Resolution.Accept,
            _ => Resolution.Discard,
        };
        await using var replica = await session.OpenAsync(ct);
        var matches = replica.Flags(includeResolved: true).Where(f => f.Id.StartsWith(flagId, StringComparison.Ordinal)).ToList();
        var flag = matches.FirstOrDefault(f => f.Id == flagId) ?? matches switch
        {
            [var only] => only,
            [] => throw new FieldAppException($"no flag '{flagId}' on this device (run flags)"),
            _ => throw new FieldAppException($"'{flagId}' matches {matches.Count} flags; give more of the id"),
        };
        var resolved = await replica.ResolveFlagAsync(flag.Id, resolution, ct);
        session.Print($"resolved {resolved.Id} ({resolved.Kind} on {resolved.Document}) with {choice}; it syncs like an edit",
            json =>
            {
                json.WritePropertyName("flag");
                JsonOut.Flags(json, [resolved]);
            });
        return FieldAppCommands.ExitOk;
    }
}
