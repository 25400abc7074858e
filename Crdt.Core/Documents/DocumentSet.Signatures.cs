using Crdt.Core.Signatures;

namespace Crdt.Core;

/// <summary>Captured customer signatures (issue 14, docs/protocol.md "Signatures").</summary>
public sealed partial class DocumentSet
{
    /// <summary>
    /// What a signature on work order <paramref name="key"/> covers as this set holds it now (status,
    /// live time entries and parts used, totals) in the canonical text a signature element stores in
    /// <see cref="SignatureFields.Covered"/>; null when the document is not held.
    /// </summary>
    public string? SignedContentOf(DocumentKey key) => _documents.TryGetValue(key, out var state) ? SignedContent.Of(state) : null;

    /// <summary>Checks every live signature of the document (<see cref="CustomerSignatures.Verify"/>), ordered by element id.</summary>
    public IReadOnlyList<SignatureVerification> VerifySignatures(DocumentKey key) =>
        Get(key) is { } view
            ? view.Elements(WorkOrderFields.Signatures).OrderBy(e => e.Id, StringComparer.Ordinal)
                .Select(e => CustomerSignatures.Verify(key, e.Id, e.Fields)).ToList()
            : [];
}
