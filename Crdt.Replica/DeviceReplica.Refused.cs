using System.Globalization;
using System.Text.Json;
using Crdt.Core;
using Crdt.Replica.Internal.Documents;
using Crdt.Replica.Internal.Storage;
using Crdt.Replica.Internal.Sync;
using Crdt.Replica.Internal.Transport;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Replica;

/// <summary>
/// Edits the relay refused for good. A batch the relay refuses is narrowed down to the op at fault
/// by the sync driver (SyncDriver.Refused.cs), which
/// leaves the outbox for the refused list with the relay's reason; the other ops are sent as usual.
/// Nothing typed is deleted without the user's say: a refused edit stays in its document until
/// the user discards it.
/// </summary>
public sealed partial class DeviceReplica
{
    /// <summary>The relay refused edits for good (see <see cref="RefusedEdits"/>): tell the user.</summary>
    public event EventHandler<EditsRefusedEventArgs>? EditsRefused;

    /// <summary>The edits the relay refused for good, oldest first.</summary>
    public IReadOnlyList<RefusedEdit> RefusedEdits() => Locked(() => _store.Refusals().Select(ToRefusedEdit).ToList());

    /// <summary>
    /// Puts a refused edit back in the outbox, for when what made the relay refuse it changed (the
    /// dispatcher reassigned the order back, the device's clock was fixed). Returns false when
    /// there is no refused edit with that id.
    /// </summary>
    public async Task<bool> RetryRefusedAsync(string id, CancellationToken cancellationToken = default)
    {
        var (replica, seq) = ParseEditId(id);
        var moved = await LockedAsync(() => _store.RetryRefused(replica, seq), cancellationToken).ConfigureAwait(false);
        if (moved)
        {
            _sync.RequestSync();
            _sync.Wake();
        }
        return moved;
    }

    /// <summary>
    /// The user gives up on a refused edit: it is removed from this device and its document shows
    /// the other edits only (the next sync brings the relay's copy back in full). Export it first
    /// to keep what was typed. Returns false when there is no refused edit with that id.
    /// </summary>
    public async Task<bool> DiscardRefusedAsync(string id, CancellationToken cancellationToken = default)
    {
        var (replica, seq) = ParseEditId(id);
        DocumentKey? key = await LockedAsync(() =>
        {
            if (_store.Refusals().FirstOrDefault(r => r.Replica == replica && r.Seq == seq) is not { } refusal)
            {
                return (DocumentKey?)null;
            }
            var document = new DocumentKey(refusal.Collection, refusal.DocId);
            try
            {
                return _store.DiscardRefused(refusal, remaining => Rebuild(document, remaining)) ? document : null;
            }
            finally
            {
                ResetMemory();
            }
        }, cancellationToken).ConfigureAwait(false);
        if (key is not { } discarded)
        {
            return false;
        }
        _sync.RequestSync();
        Raise(DocumentsChanged, new DocumentsChangedEventArgs([discarded], fromRelay: false));
        _sync.Wake();
        return true;
    }

    /// <summary>
    /// Writes every refused edit to a JSON file (who, which document, the relay's reason, and the
    /// op itself in protobuf JSON), so what was typed can be kept or re-entered elsewhere.
    /// Written to a temporary file and renamed. Returns how many edits were written.
    /// </summary>
    public async Task<int> ExportRefusedAsync(string file, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        var edits = await LockedAsync(() => _store.Refusals().Select(r => (Edit: ToRefusedEdit(r), Op: _store.OpBytes(r.Replica, r.Seq))).ToList(),
            cancellationToken).ConfigureAwait(false);
        var full = System.IO.Path.GetFullPath(file);
        var temporary = full + ".partial";
        await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("device", Id.Value);
            json.WriteString("exportedAt", _options.TimeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
            json.WritePropertyName("refused");
            json.WriteStartArray();
            foreach (var (edit, op) in edits)
            {
                json.WriteStartObject();
                WriteRefusedEdit(json, edit);
                if (op is not null)
                {
                    json.WritePropertyName("op");
                    json.WriteRawValue(JsonFormatter.Default.Format(Wire.Op.Parser.ParseFrom(op)));
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        File.Move(temporary, full, overwrite: true);
        return edits.Count;
    }

    /// <summary>The fields of a refused edit as JSON properties (the export file and FieldApp's --json share them).</summary>
    public static void WriteRefusedEdit(Utf8JsonWriter json, RefusedEdit edit)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(edit);
        json.WriteString("id", edit.Id);
        json.WriteString("author", edit.Author);
        json.WriteString("collection", edit.Document.Collection);
        json.WriteString("docId", edit.Document.Id);
        json.WriteString("status", edit.Status);
        json.WriteString("reason", edit.Reason);
        json.WriteString("refusedAt", edit.RefusedAt.ToString("O", CultureInfo.InvariantCulture));
    }

    /// <summary>A document as the ops still in the log make it (null when none are left).</summary>
    private DocumentChange? Rebuild(DocumentKey key, IReadOnlyList<StoredOp> ops)
    {
        var set = new DocumentSet(_memory.Schemas);
        foreach (var op in ops)
        {
            set.Apply(OpCodec.Decode(op.Bytes));
        }
        if (!set.Exists(key))
        {
            return null;
        }
        return new DocumentChange(new StoredDocument(key.Collection, key.Id, set.EncodeSnapshot(key), string.Empty),
            set.Flags(key).Select(FlagRows.From).ToList());
    }

    private static RefusedEdit ToRefusedEdit(StoredRefusal r) => new(
        $"{r.Replica}:{r.Seq}", r.UserName, new DocumentKey(r.Collection, r.DocId), r.Status, r.Reason,
        DateTimeOffset.FromUnixTimeMilliseconds(r.RefusedAtMs));

    private static (string Replica, long Seq) ParseEditId(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var colon = id.LastIndexOf(':');
        if (colon <= 0 || !long.TryParse(id.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            throw new ArgumentException($"'{id}' is not a refused edit's id (replica:sequence, as listed by RefusedEdits)", nameof(id));
        }
        return (id[..colon], seq);
    }
}
