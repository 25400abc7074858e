using Crdt.Replica;

namespace FieldApp;

// attach, attachments, fetch: photos and other files on a work order (README "Attachments").
internal static partial class Handlers
{
    public static async Task<int> AttachAsync(Session session, string id, string file, string? type, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        if (!File.Exists(file)) throw new FieldAppException($"attach: no such file '{file}'");
        var attached = await replica.AttachAsync(id, file, type, ct);
        session.Print($"attached {attached.Name} ({attached.ContentType}, {attached.Size} bytes, sha256 {attached.Sha256}) to {id}: {Describe(attached.State)}",
            json => WriteAttachment(json, attached));
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> AttachmentsAsync(Session session, string id, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        if (replica.GetWorkOrder(id) is null) throw new FieldAppException($"no work order '{id}' on this device");
        var list = replica.Attachments(id);
        var text = list.Count == 0
            ? $"{id} has no attachments"
            : string.Join(Environment.NewLine, list.Select(a => $"{a.Sha256[..12]}  {a.Name,-24} {a.ContentType,-18} {a.Size,10} bytes  {Describe(a.State)}{(a.Refused is { } why ? $": {why}" : "")}"));
        session.Print(text, json =>
        {
            json.WriteString("workOrder", id);
            json.WriteStartArray("attachments");
            foreach (var attachment in list)
            {
                json.WriteStartObject();
                WriteAttachment(json, attachment);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        });
        return FieldAppCommands.ExitOk;
    }

    public static async Task<int> FetchAsync(Session session, string id, string hash, string output, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var matches = replica.Attachments(id).Where(a => a.Sha256.StartsWith(hash, StringComparison.Ordinal)).ToList();
        var attachment = matches.Count switch
        {
            0 => throw new FieldAppException($"{id} has no attachment whose sha256 starts with '{hash}' (see `attachments {id}`)"),
            > 1 => throw new FieldAppException($"'{hash}' matches {matches.Count} attachments of {id}; give more of the sha256"),
            _ => matches[0],
        };
        string local;
        try
        {
            local = await replica.FetchAttachmentAsync(id, attachment.Sha256, ct);
        }
        catch (AttachmentNotAvailableException e)
        {
            throw new FieldAppException(e.Message);
        }
        File.Copy(local, output, overwrite: true);
        session.Print($"wrote {attachment.Name} ({attachment.Size} bytes) to {output}", json =>
        {
            WriteAttachment(json, replica.Attachments(id).First(a => a.Sha256 == attachment.Sha256));
            json.WriteString("out", output);
        });
        return FieldAppCommands.ExitOk;
    }

    /// <summary>Test helper: uploads the queue, and once <paramref name="pauseAfter"/> bytes are sent
    /// prints "paused at N" and waits (the crash tests kill the process there).</summary>
    public static async Task<int> UploadAttachmentsAsync(Session session, long pauseAfter, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var paused = false;
        var told = new HashSet<string>();
        replica.AttachmentProgressChanged += (_, progress) =>
        {
            if (progress.Upload && told.Add(progress.Sha256)) session.Output.WriteLine($"uploading {progress.Sha256} from offset {progress.ResumedFrom}");
            if (!progress.Upload || paused || pauseAfter <= 0 || progress.Bytes < pauseAfter) return;
            paused = true;
            session.Output.WriteLine($"paused at {progress.Bytes} (resumed from {progress.ResumedFrom})");
            session.Output.Flush();
            Thread.Sleep(Timeout.Infinite);
        };
        var summary = await replica.UploadAttachmentsAsync(ct);
        session.Print($"uploaded {summary.Uploaded}, pending {summary.Pending}, refused {summary.Refused}", json =>
        {
            json.WriteNumber("uploaded", summary.Uploaded);
            json.WriteNumber("pending", summary.Pending);
            json.WriteNumber("refused", summary.Refused);
        });
        return FieldAppCommands.ExitOk;
    }

    private static string Describe(AttachmentState state) => state switch
    {
        AttachmentState.NotUploadedYet => "not uploaded yet",
        AttachmentState.NotDownloadedYet => "not downloaded yet",
        AttachmentState.UploadRefused => "upload refused",
        _ => "available",
    };

    private static void WriteAttachment(System.Text.Json.Utf8JsonWriter json, AttachmentInfo attachment)
    {
        json.WriteString("element", attachment.ElementId);
        json.WriteString("name", attachment.Name);
        json.WriteString("contentType", attachment.ContentType);
        json.WriteNumber("size", attachment.Size);
        json.WriteString("sha256", attachment.Sha256);
        json.WriteString("state", Describe(attachment.State));
        if (attachment.Refused is { } why) json.WriteString("refused", why);
    }
}
