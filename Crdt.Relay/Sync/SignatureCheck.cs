using Crdt.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Sync;

/// <summary>
/// Checks the customer signatures of a batch before anything of it is applied (issue 14,
/// docs/protocol.md "Signatures"): every element added to a work order's signatures must verify
/// (<see cref="CustomerSignatures.Verify"/>: the statement re-derived from the element, the image and
/// covered hashes, the ECDSA P-256 signature) and name a key registered to the pushing device
/// (Sync.RegisterSigningKey). A captured signature is never edited afterwards: changing one of its
/// element fields is refused too (removing the element is allowed). INVALID_ARGUMENT naming the op
/// and element at the first failure.
/// </summary>
internal static class SignatureCheck
{
    public static async Task CheckAsync(IRelayStore store, CallerIdentity caller, IReadOnlyList<Op> ops, CancellationToken cancellationToken)
    {
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (op.Document.Collection != WorkOrderFields.Collection)
            {
                continue;
            }

            // Indexed, not foreach: an enumerator over the interface is an allocation, for every work-order op pushed.
            var mutations = op.Mutations;
            for (var m = 0; m < mutations.Count; m++)
            {
                switch (mutations[m])
                {
                    case AddElement { Field: WorkOrderFields.Signatures } add:
                        await CheckAddAsync(store, caller, new OpPlace(op, i), add, cancellationToken).ConfigureAwait(false);
                        break;
                    case SetElementField { Field: WorkOrderFields.Signatures } set:
                        throw RelayRefusal.Invalid($"{new OpPlace(op, i)}, element '{WorkOrderFields.Signatures}.{set.ElementId}', field '{set.ElementField}': " +
                            "a captured signature cannot be changed (it would no longer match what was signed); capture a new one");
                }
            }
        }
    }

    private static async Task CheckAddAsync(IRelayStore store, CallerIdentity caller, OpPlace where, AddElement add, CancellationToken cancellationToken)
    {
        var element = $"{where}, element '{WorkOrderFields.Signatures}.{add.ElementId}'";
        var result = CustomerSignatures.Verify(where.Op.Document, add.ElementId, add.Values);
        if (!result.IsValid)
        {
            throw RelayRefusal.Invalid($"{element}: the signature does not verify: {result.Problem}");
        }

        var keyId = result.Statement!.KeyId;
        var registered = store is ISigningKeyStore keys
            ? await keys.FindSigningKeyAsync(caller.Tenant, caller.Name, keyId, cancellationToken).ConfigureAwait(false)
            : null;
        if (registered is null)
        {
            throw RelayRefusal.Invalid($"{element}, field '{SignatureFields.KeyId}': key {keyId} is not registered to device '{caller.Name}' " +
                "(a device signs only with its own key, registered with Sync.RegisterSigningKey)");
        }
    }
}
