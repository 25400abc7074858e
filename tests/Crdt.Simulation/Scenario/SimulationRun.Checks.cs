using Crdt.Core;
using Crdt.Simulation.Relay;

namespace Crdt.Simulation.Scenario;

internal sealed partial class SimulationRun
{
    /// <summary>After every step: each device still holds every edit it acknowledged (crashes included),
    /// the relay refused nothing valid, and (when <paramref name="full"/>) the relay's log is sound.</summary>
    private async Task CheckStepAsync(bool full)
    {
        foreach (var device in devices)
        {
            foreach (var group in ledger.Edits.Where(e => e.Device == device.Name).GroupBy(e => e.Key))
            {
                var view = device.Replica.Get(group.Key);
                foreach (var edit in group)
                {
                    if (Ledger.Missing(edit, view, device.Name) is { } lost) Problem(lost);
                }
            }
        }
        foreach (var refusal in network.Refusals) Problem(refusal);
        network.Refusals.Clear();
        if (full && relay.IsUp)
        {
            foreach (var problem in await RelayLogAudit.AuditAsync(relay)) Problem(problem);
        }
    }

    /// <summary>After healing: the relay holds every acknowledged edit, nothing is pending anywhere, and
    /// each device holds exactly the documents the relay puts in its scope, each equal to the relay's.</summary>
    private async Task CheckEndAsync()
    {
        await CheckStepAsync(full: true);
        var tenant = await relay.TenantAsync();
        var missing = tenant.Inspect(documents => ledger.Edits.Select(edit => Ledger.Missing(edit, documents.Get(edit.Key), "the relay")).OfType<string>().ToList());
        foreach (var lost in missing) Problem(lost);
        var log = await relay.ReadLogAsync();
        Result.RelayOps = log.Count;

        foreach (var device in devices)
        {
            if (device.Replica.PendingCount is var pending and > 0) Problem($"{device.Name} still has {pending} pending op(s) after healing");
            // The relay's own bootstrap stream says which documents are in the device's scope.
            var bootstrap = await relay.PullAsync(device.Caller, 0, 0);
            var scope = bootstrap.Where(i => i.Document is not null).Select(i => new DocumentKey(i.Document.Collection, i.Document.Id)).ToHashSet();
            var held = device.Replica.Store.DocumentKeys().Select(k => new DocumentKey(k.Collection, k.DocId)).ToHashSet();
            foreach (var key in scope.Except(held).Order()) Problem($"{device.Name} lacks {key}, which is in its scope at the relay");
            foreach (var key in held.Except(scope).Order()) Problem($"{device.Name} holds {key}, which is not in its scope at the relay");
            foreach (var key in scope.Intersect(held).Order())
            {
                var expected = tenant.Inspect(documents => RelayLogAudit.Render(documents, key));
                var actual = device.Replica.Get(key)?.ToJson(includeTotalsAndFlags: true) ?? "(absent)";
                if (actual != expected) Problem($"{device.Name} did not converge on {key}:{RelayLogAudit.Difference(actual, expected).Replace("state:", "device:").Replace("replay:", "relay:")}");
            }
        }
    }
}
