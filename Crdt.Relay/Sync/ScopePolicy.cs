using Crdt.Core;
using Crdt.Relay.Auth;

namespace Crdt.Relay.Sync;

/// <summary>
/// Who may read and write what. A dispatcher or admin: its whole tenant. A technician: work
/// orders whose <c>assignee</c> is its registered name, the customers and assets those orders
/// reference, the Part catalogue, and the documents it pinned. Reads follow the current state, so
/// an order reassigned away leaves the technician's scope from then on. Writes also accept a
/// technician's edits to an order that was assigned to it before (edits made offline before the
/// reassignment must not be refused forever, or the device could never sync them), and the
/// creation of new customers and assets (a technician records an asset found on site). Pins are
/// read-only. What each role may do inside its scope is <see cref="Policy.RolePolicy"/>.
/// Read under the tenant's gate.
/// </summary>
internal sealed class ScopePolicy(TenantState tenant, IReadOnlySet<DocumentKey> pins)
{
    public const string Part = "Part";
    public const string Customer = "Customer";
    public const string Asset = "Asset";

    public bool CanRead(CallerIdentity caller, DocumentKey key)
    {
        if (caller.SeesWholeTenant)
        {
            return true;
        }

        return key.Collection switch
        {
            WorkOrderFields.Collection => tenant.AssigneeOf(key) == caller.Name,
            Part => true,
            _ when pins.Contains(key) => true,
            Customer or Asset => tenant.IsReferencedByOrdersOf(caller.Name, key),
            _ => false,
        };
    }

    /// <summary>Whether a device's pins can decide a write of these ops: only for documents that are
    /// neither work orders (they follow assignment) nor parts (open to all), so a batch of those
    /// needs no look-up of the pins.</summary>
    public static bool PinsMatter(IReadOnlyList<Op> ops)
    {
        foreach (var op in ops)
        {
            if (op.Document.Collection is not (WorkOrderFields.Collection or Part))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Throws PERMISSION_DENIED when <paramref name="caller"/> may not make <paramref name="op"/>.
    /// Pins give read access only. An order reassigned away takes edits its former assignee made
    /// before hearing of the reassignment (offline work must not be refused forever), but none made
    /// after: an op whose context covers the reassigning write (<paramref name="assignedBy"/>) is refused.</summary>
    public void CheckWrite(CallerIdentity caller, Op op, bool exists, string? assignee, Dot? assignedBy, OpPlace where)
    {
        if (caller.SeesWholeTenant)
        {
            return;
        }

        var key = op.Document;
        var allowed = key.Collection switch
        {
            WorkOrderFields.Collection when exists => assignee == caller.Name
                || (tenant.WasEverAssigned(key, caller.Name) && !(assignedBy is { } reassignment && op.HasSeen(reassignment))),
            WorkOrderFields.Collection => AssignsTo(op, caller.Name),
            Part => true,
            Customer or Asset => !exists || tenant.IsReferencedByOrdersOf(caller.Name, key),
            _ => false,
        };
        if (!allowed)
        {
            throw RelayRefusal.Denied($"{where}: outside the scope of {caller}" +
                (key.Collection == WorkOrderFields.Collection && exists && tenant.WasEverAssigned(key, caller.Name)
                    ? " (the order was reassigned to someone else, and this edit was made after its author had seen that)"
                    : pins.Contains(key) ? " (a pinned document is read-only)" : ""));
        }
    }

    private static bool AssignsTo(Op op, string name) =>
        op.Mutations.OfType<SetField>().LastOrDefault(m => m.Field == WorkOrderFields.Assignee) is { Value: { Kind: FieldValueKind.String } value }
        && value.AsString() == name;
}
