using Crdt.Core;

namespace Crdt.Replica;

/// <summary>
/// An edit made on this device that the relay refused for good (it broke a rule or a right the
/// relay enforces). It left the outbox so later edits keep syncing, and it stays on the device,
/// shown in its document, until the user exports, retries or discards it.
/// </summary>
/// <param name="Id">the edit's dot, "replica:sequence": what <see cref="DeviceReplica.DiscardRefusedAsync"/> and <see cref="DeviceReplica.RetryRefusedAsync"/> take</param>
/// <param name="Author">the person who made the edit (signed in when it was made)</param>
/// <param name="Document">the document it edits</param>
/// <param name="Status">the gRPC status of the refusal: InvalidArgument, PermissionDenied or FailedPrecondition</param>
/// <param name="Reason">the relay's words, naming the document, field and rule</param>
/// <param name="RefusedAt">when the relay refused it (device clock)</param>
public sealed record RefusedEdit(string Id, string Author, DocumentKey Document, string Status, string Reason, DateTimeOffset RefusedAt);

/// <summary>The relay refused edits for good; they are now in <see cref="DeviceReplica.RefusedEdits"/>.</summary>
public sealed class EditsRefusedEventArgs(IReadOnlyList<RefusedEdit> edits) : EventArgs
{
    /// <summary>The edits just refused.</summary>
    public IReadOnlyList<RefusedEdit> Edits { get; } = edits;
}
