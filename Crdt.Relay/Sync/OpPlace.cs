using Crdt.Core;

namespace Crdt.Relay.Sync;

/// <summary>
/// Names an op of a batch in a refusal ("op #3 (replica:7) on WorkOrder/wo-1"). The text is made
/// only when a refusal is written, not for each op validated.
/// </summary>
internal readonly record struct OpPlace(Op Op, int Index)
{
    public override string ToString() => $"op #{Index} ({Op.Dot}) on {Op.Document}";
}
