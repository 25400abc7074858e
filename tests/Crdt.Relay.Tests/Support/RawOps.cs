using Crdt.Core;

namespace Crdt.Relay.Tests.Support;

/// <summary>Ops made by hand, past the device's own validation, as an attacker holding a valid
/// token would send them: any author, any context, any value.</summary>
public static class RawOps
{
    private static long s_next;

    /// <summary>A fresh replica id per op, so each forged op has a dot no one else used.</summary>
    public static Op Make(string author, DocumentKey key, VersionVector? context, params Mutation[] mutations) =>
        Make(author, key, context, Device.Now, mutations);

    public static Op Make(string author, DocumentKey key, VersionVector? context, long wallMs, params Mutation[] mutations)
    {
        var replica = new ReplicaId($"raw-{Interlocked.Increment(ref s_next)}-{Guid.NewGuid():N}"[..24]);
        return new Op(new Dot(replica, 1), new Hlc(wallMs, 0, replica), author, key, context ?? new VersionVector(), mutations);
    }

    public static AddElement Entry(string id, decimal hours) =>
        new(WorkOrderFields.TimeEntries, id, new Dictionary<string, FieldValue> { [TimeEntryFields.Hours] = hours });
}
