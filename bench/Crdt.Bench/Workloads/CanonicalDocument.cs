namespace Crdt.Bench.Workloads;

/// <summary>
/// Builds the canonical JSON tree of one benchmark doc:
/// <c>{"fields":{…},"noteEntries":{id:{…}},"partsUsed":{…},"timeEntries":{…}}</c>.
/// </summary>
public static class CanonicalDocument
{
    public static object Build(
        IEnumerable<KeyValuePair<string, object>> fields,
        Func<string, IEnumerable<KeyValuePair<string, IEnumerable<KeyValuePair<string, object>>>>> entriesOf)
    {
        var tree = new List<KeyValuePair<string, object>> { new("fields", fields.ToList()) };
        foreach (var collection in WorkloadSchema.Collections)
        {
            var entries = entriesOf(collection)
                .Select(e => new KeyValuePair<string, object>(e.Key, e.Value.ToList()))
                .ToList();
            tree.Add(new(collection, entries));
        }
        return tree;
    }
}
