using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>A test replica: a DocumentSet with its editor, and the ops it made (its outbox).</summary>
internal sealed class Device
{
    public static readonly DateTimeOffset Day = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    public Device(string replica, SchemaRegistry? schemas = null)
    {
        Documents = new DocumentSet(schemas ?? SchemaRegistry.CreateDefault());
        Editor = new LocalEditor(new ReplicaId(replica), Documents);
    }

    public DocumentSet Documents { get; }
    public LocalEditor Editor { get; }
    public List<Op> Made { get; } = [];

    public static long At(int hour, int minute = 0) => Day.AddHours(hour).AddMinutes(minute).ToUnixTimeMilliseconds();

    public Op Create(DocumentKey key, string author, long wallMs, Action<MutationBuilder> build) => Keep(Editor.Create(key, author, wallMs, build));

    public Op Edit(DocumentKey key, string author, long wallMs, Action<MutationBuilder> build) => Keep(Editor.Edit(key, author, wallMs, build));

    public Op Delete(DocumentKey key, string author, long wallMs) => Keep(Editor.Delete(key, author, wallMs));

    public Op Resolve(string flagId, Resolution resolution, string author, long wallMs) => Keep(Editor.Resolve(flagId, resolution, author, wallMs));

    /// <summary>Receives every op <paramref name="from"/> made (duplicates are harmless).</summary>
    public void ReceiveFrom(Device from, long wallMs)
    {
        foreach (var op in from.Made)
        {
            Editor.ApplyRemote(op, wallMs);
        }
    }

    /// <summary>Both devices receive each other's ops.</summary>
    public static void Exchange(Device a, Device b, long wallMs)
    {
        a.ReceiveFrom(b, wallMs);
        b.ReceiveFrom(a, wallMs);
    }

    public DocumentView View(DocumentKey key) => Documents.View(key);

    private Op Keep(Op op)
    {
        Made.Add(op);
        return op;
    }
}
