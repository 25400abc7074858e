using Crdt.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Storage;
using Crdt.Relay.Sync;

namespace Crdt.Relay.Policy;

/// <summary>What a role may pin in a collection.</summary>
internal enum PinRight
{
    /// <summary>Nothing (work orders follow assignment; app collections only come by sharing).</summary>
    None,

    /// <summary>Documents its current work orders reference.</summary>
    Related,

    /// <summary>Any document of the collection.</summary>
    Any,
}

/// <summary>A set of field names, or all of a collection's fields.</summary>
internal sealed record FieldSet(bool All, IReadOnlySet<string> Names)
{
    public static FieldSet Every { get; } = new(true, new HashSet<string>());
    public static FieldSet Nothing { get; } = new(false, new HashSet<string>());

    public static FieldSet AllBut(params string[] names) => new(true, new HashSet<string>(names, StringComparer.Ordinal));

    public bool Contains(string name) => All != Names.Contains(name);

    public override string ToString() => All ? Names.Count == 0 ? "all" : $"all but {string.Join(", ", Names)}" : Names.Count == 0 ? "none" : string.Join(", ", Names);
}

/// <summary>What one role may do in one collection (scope still decides which documents: see <see cref="ScopePolicy"/>).</summary>
/// <param name="Create">May create documents (a creating op may set any field).</param>
/// <param name="Write">LWW fields it may write once the document exists.</param>
/// <param name="Elements">OR-sets whose elements it may add, change and remove.</param>
/// <param name="Delete">May delete documents.</param>
/// <param name="Resolve">Flag kinds it may resolve.</param>
/// <param name="Pin">What it may pin.</param>
internal sealed record CollectionRights(bool Create, FieldSet Write, FieldSet Elements, bool Delete, IReadOnlySet<FlagKind> Resolve, PinRight Pin);

/// <summary>
/// The one declared policy of what technicians, dispatchers and admins may do per collection
/// (the table in README "Roles and permissions" is this table). Dispatchers and admins run the
/// office: everything, in their whole tenant. Technicians work in the field: they create orders
/// (assigned to themselves), customers and assets they find on site; they add work, notes and
/// photos to orders assigned to them, but never write <c>assignee</c> once an order exists (the
/// office assigns); they read the Part catalogue and never change it; they delete nothing; they
/// cannot settle their own held-back work (WorkOnClosedOrder flags); their pins are read-only and
/// limited to what their orders reference. Collections an application declares are the office's:
/// technicians read them only when shared with them.
/// Every op is checked against it, whichever RPC carries it (Sync.Push, Documents.Mutate and
/// ResolveFlag through <see cref="BatchValidator"/>, Sync.Pin through <see cref="CheckPin"/>).
/// </summary>
internal static class RolePolicy
{
    /// <summary>The row for collections the table does not name (an application's own).</summary>
    public const string OtherCollections = "*";

    private static readonly IReadOnlySet<FlagKind> AllFlags = new HashSet<FlagKind> { FlagKind.WorkOnClosedOrder, FlagKind.ConcurrentEdit, FlagKind.EditOnDeleted, FlagKind.StatusConflict, FlagKind.SignedContentChanged };
    private static readonly IReadOnlySet<FlagKind> ReviewFlags = new HashSet<FlagKind> { FlagKind.ConcurrentEdit, FlagKind.EditOnDeleted };
    private static readonly IReadOnlySet<FlagKind> NoFlags = new HashSet<FlagKind>();

    private static readonly CollectionRights Office = new(true, FieldSet.Every, FieldSet.Every, true, AllFlags, PinRight.Any);

    /// <summary>The table: role → collection → rights.</summary>
    public static IReadOnlyDictionary<DeviceRoleKind, IReadOnlyDictionary<string, CollectionRights>> Table { get; } =
        new Dictionary<DeviceRoleKind, IReadOnlyDictionary<string, CollectionRights>>
        {
            [DeviceRoleKind.Technician] = new Dictionary<string, CollectionRights>(StringComparer.Ordinal)
            {
                [WorkOrderFields.Collection] = new(true, FieldSet.AllBut(WorkOrderFields.Assignee), FieldSet.Every, false, ReviewFlags, PinRight.None),
                [CustomerFields.Collection] = new(true, FieldSet.Every, FieldSet.Every, false, ReviewFlags, PinRight.Related),
                [AssetFields.Collection] = new(true, FieldSet.Every, FieldSet.Every, false, ReviewFlags, PinRight.Related),
                [PartFields.Collection] = new(false, FieldSet.Nothing, FieldSet.Nothing, false, NoFlags, PinRight.Any),
                [OtherCollections] = new(false, FieldSet.Nothing, FieldSet.Nothing, false, NoFlags, PinRight.None),
            },
            [DeviceRoleKind.Dispatcher] = OfficeRow(),
            [DeviceRoleKind.Admin] = OfficeRow(),
        };

    private static Dictionary<string, CollectionRights> OfficeRow() => new(StringComparer.Ordinal)
    {
        [WorkOrderFields.Collection] = Office with { Pin = PinRight.None },
        [CustomerFields.Collection] = Office,
        [AssetFields.Collection] = Office,
        [PartFields.Collection] = Office,
        [OtherCollections] = Office,
    };

    public static CollectionRights For(DeviceRoleKind role, string collection)
    {
        var row = Table[role];
        return row.TryGetValue(collection, out var rights) ? rights : row[OtherCollections];
    }

    /// <summary>Throws PERMISSION_DENIED naming the field when the caller's role may not make this op
    /// (<paramref name="exists"/>: whether the document exists before it).</summary>
    public static void CheckOp(CallerIdentity caller, Op op, bool exists, OpPlace where)
    {
        var rights = For(caller.Role, op.Document.Collection);
        var creates = !exists && op.Mutations.Any(m => m is not (ResolveFlag or DeleteDocument));
        if (creates && !rights.Create)
        {
            throw RelayRefusal.Denied($"{where}: a {RoleName(caller)} may not create {op.Document.Collection} documents ({caller})");
        }

        // Indexed, not foreach: an enumerator over the interface is an allocation, for every op pushed.
        var mutations = op.Mutations;
        for (var m = 0; m < mutations.Count; m++)
        {
            var mutation = mutations[m];
            switch (mutation)
            {
                case SetField set when !creates && !rights.Write.Contains(set.Field):
                    throw RelayRefusal.Denied($"{where}, field '{set.Field}': a {RoleName(caller)} may not write it " +
                        (set.Field == WorkOrderFields.Assignee ? "once the order exists (the office assigns orders)" : $"in {op.Document.Collection}") + $" ({caller})");
                case AddElement or SetElementField or RemoveElement when !rights.Elements.Contains(mutation.TargetField!):
                    throw RelayRefusal.Denied($"{where}, field '{mutation.TargetField}': a {RoleName(caller)} may not add, change or remove its elements ({caller})");
                case DeleteDocument when !rights.Delete:
                    throw RelayRefusal.Denied($"{where}: a {RoleName(caller)} may not delete {op.Document.Collection} documents ({caller})");
                case ResolveFlag resolve when resolve.TargetKind is { } kind && !rights.Resolve.Contains(kind):
                    throw RelayRefusal.Denied($"{where}, flag '{resolve.FlagId}': a {RoleName(caller)} may not resolve {kind} flags" +
                        (kind == FlagKind.WorkOnClosedOrder ? " (held-back work is accepted or discarded by the office)"
                            : kind == FlagKind.SignedContentChanged ? " (the office acknowledges work changed after the customer signed)" : "") + $" ({caller})");
            }
        }
    }

    /// <summary>The role as refusals name it ("technician"), made only when a refusal is written.</summary>
    private static string RoleName(CallerIdentity caller) => caller.Role.ToString().ToLowerInvariant();

    /// <summary>
    /// Throws PERMISSION_DENIED when the caller may not pin the document. The answer is the same
    /// whether the document exists or not, so a pin never tells a technician what exists outside
    /// its scope. Read under the tenant's gate.
    /// </summary>
    public static void CheckPin(CallerIdentity caller, TenantState tenant, DocumentKey key)
    {
        var allowed = For(caller.Role, key.Collection).Pin switch
        {
            PinRight.Any => true,
            PinRight.Related => tenant.IsReferencedByOrdersOf(caller.Name, key),
            _ => false,
        };
        if (!allowed)
        {
            throw RelayRefusal.Denied($"{key}: a {caller.Role.ToString().ToLowerInvariant()} may pin only documents its current work orders reference " +
                $"or that the office shares with it ({caller})");
        }
    }
}
