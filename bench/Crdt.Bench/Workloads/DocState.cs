namespace Crdt.Bench.Workloads;

/// <summary>
/// A benchmark doc's visible state read back from any store (or the plain replay): its scalar
/// fields and its collections as id → record values. Built outside every timer, to check
/// digests, equality, convergence and the presence of adds.
/// </summary>
public sealed class DocState
{
    public Dictionary<string, object> Fields { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Dictionary<string, Dictionary<string, object>>> Collections { get; } =
        WorkloadSchema.Collections.ToDictionary(c => c, _ => new Dictionary<string, Dictionary<string, object>>(StringComparer.Ordinal), StringComparer.Ordinal);

    public bool HasEntry(string collection, string id) =>
        Collections.TryGetValue(collection, out var entries) && entries.ContainsKey(id);

    /// <summary>The canonical JSON tree (see <see cref="CanonicalJson"/>).</summary>
    public object CanonicalTree() => CanonicalDocument.Build(
        Fields,
        collection => Collections[collection].Select(e =>
            new KeyValuePair<string, IEnumerable<KeyValuePair<string, object>>>(e.Key, e.Value)));

    public string CanonicalJsonText() => CanonicalJson.Render(CanonicalTree());

    public static string Digest(IReadOnlyList<DocState> docs) => CanonicalJson.Digest(docs.Select(d => d.CanonicalTree()));
}
