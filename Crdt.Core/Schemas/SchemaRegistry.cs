namespace Crdt.Core;

/// <summary>
/// The collections a store knows: the built-ins (<c>WorkOrder</c>, <c>Customer</c>,
/// <c>Asset</c>, <c>Part</c>) from <see cref="CreateDefault"/>, plus the ones an application
/// registers. Register collections before sharing the registry; it is not thread-safe for writes.
/// </summary>
public sealed class SchemaRegistry
{
    private readonly Dictionary<string, CollectionSchema> _collections = new(StringComparer.Ordinal);

    /// <summary>A registry holding the built-in collections.</summary>
    public static SchemaRegistry CreateDefault()
    {
        var registry = new SchemaRegistry();
        registry.Register(BuiltInSchemas.WorkOrder);
        registry.Register(BuiltInSchemas.Customer);
        registry.Register(BuiltInSchemas.Asset);
        registry.Register(BuiltInSchemas.Part);
        return registry;
    }

    /// <summary>The registered collections.</summary>
    public IReadOnlyCollection<CollectionSchema> Collections => _collections.Values;

    /// <summary>Adds an application collection; throws when the name is taken.</summary>
    public SchemaRegistry Register(CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (!_collections.TryAdd(schema.Name, schema))
        {
            throw new InvalidOperationException($"collection '{schema.Name}' is already registered");
        }
        return this;
    }

    /// <summary>
    /// Extends the workflow of a registered collection (the built-in <c>WorkOrder</c> too) with
    /// states and steps, without redefining the collection: e.g. <c>ExtendWorkflow("WorkOrder",
    /// w =&gt; w.State("awaiting_parts").Step("in_progress", "awaiting_parts").Step("awaiting_parts", "in_progress"))</c>.
    /// Do it before the registry is shared, as for <see cref="Register"/>: documents keep the schema they were loaded with.
    /// </summary>
    public SchemaRegistry ExtendWorkflow(string collection, Action<StatusWorkflowBuilder> extend, string? statusField = null)
    {
        _collections[collection] = Get(collection).ExtendWorkflow(extend, statusField);
        return this;
    }

    /// <summary>The schema of <paramref name="collection"/>, if registered.</summary>
    public bool TryGet(string collection, out CollectionSchema schema) => _collections.TryGetValue(collection, out schema!);

    /// <summary>The schema of <paramref name="collection"/>; throws <see cref="KeyNotFoundException"/> naming it when unknown.</summary>
    public CollectionSchema Get(string collection) =>
        _collections.TryGetValue(collection, out var schema) ? schema : throw new KeyNotFoundException($"unknown collection '{collection}'");
}
