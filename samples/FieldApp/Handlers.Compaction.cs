namespace FieldApp;

internal static partial class Handlers
{
    /// <summary><c>compact</c>: the device side of bounded history (README "Bounded history").</summary>
    public static async Task<int> CompactAsync(Session session, CancellationToken ct)
    {
        await using var replica = await session.OpenAsync(ct);
        var done = await replica.CompactAsync(ct);
        var text = done.HorizonKnown
            ? $"compacted {done.Documents} document(s): op log {done.OpsBefore} -> {done.OpsAfter} ops, file {done.BytesBefore} -> {done.BytesAfter} bytes"
            : $"nothing to compact yet: the relay has not told a stable horizon (sync first); op log {done.OpsBefore} ops, file {done.BytesBefore} bytes";
        session.Print(text, json =>
        {
            json.WriteBoolean("horizonKnown", done.HorizonKnown);
            json.WriteNumber("documents", done.Documents);
            json.WriteNumber("opsBefore", done.OpsBefore);
            json.WriteNumber("opsAfter", done.OpsAfter);
            json.WriteNumber("bytesBefore", done.BytesBefore);
            json.WriteNumber("bytesAfter", done.BytesAfter);
        });
        return FieldAppCommands.ExitOk;
    }
}
