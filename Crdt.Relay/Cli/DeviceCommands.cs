using System.CommandLine;
using Crdt.Relay.Devices;
using Crdt.Relay.Storage;

namespace Crdt.Relay.Cli;

/// <summary><c>device add|list|revoke</c>: work on the data folder (or the PostgreSQL database of
/// <c>--postgres</c>) directly, so they run with or without relays serving it (every running relay
/// notices revocations within a second).</summary>
internal static class DeviceCommands
{
    public static Command Create(TextWriter output)
    {
        var device = new Command("device", "Register, list and revoke devices.");
        device.Subcommands.Add(Add(output));
        device.Subcommands.Add(List(output));
        device.Subcommands.Add(Revoke(output));
        return device;
    }

    private static Command Add(TextWriter output)
    {
        var data = CliOptions.Data();
        var postgres = StoreOptions.Postgres();
        var tenant = CliOptions.Tenant();
        var name = new Option<string>("--name")
        {
            Description = "The device's name; for a technician, the value of a work order's assignee field.",
            Required = true,
        };
        name.Validators.Add(r =>
        {
            if (DeviceNames.CheckDeviceName(r.GetValueOrDefault<string>()) is { } problem)
            {
                r.AddError(problem);
            }
        });
        var role = new Option<string>("--role") { Description = "technician, dispatcher or admin.", Required = true };
        role.AcceptOnlyFromAmong("technician", "dispatcher", "admin");
        var command = new Command("add", "Register a device and print its bearer token (last line; shown once).")
        {
            data, postgres, name, role, tenant,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var token = DeviceTokens.NewToken();
            var roleKind = parsed.GetValue(role) switch
            {
                "technician" => DeviceRoleKind.Technician,
                "dispatcher" => DeviceRoleKind.Dispatcher,
                _ => DeviceRoleKind.Admin,
            };
            // The first device creates the relay's data; say where, so a mistyped --data shows.
            await using var store = await StoreOptions.OpenAsync(parsed.GetValue(data)!, parsed.GetValue(postgres), durableCommits: true, cancellationToken,
                created: folder => output.WriteLine($"created relay data in {folder}"));
            try
            {
                var added = await store.AddDeviceAsync(new NewDevice(parsed.GetValue(tenant)!, parsed.GetValue(name)!, roleKind,
                    DeviceTokens.Hash(token), DateTimeOffset.UtcNow), cancellationToken);
                output.WriteLine($"registered {parsed.GetValue(role)} '{added.Name}' in tenant '{added.Tenant}'");
                output.WriteLine("bearer token (shown only now; the relay keeps only its hash):");
                output.WriteLine(token);
                return RelayCli.ExitOk;
            }
            catch (DeviceNameTakenException e)
            {
                throw new CliUsageException(e.Message);
            }
        });
        return command;
    }

    private static Command List(TextWriter output)
    {
        var data = CliOptions.Data();
        var postgres = StoreOptions.Postgres();
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant's devices. Default: every tenant." };
        var all = new Option<bool>("--all") { Description = "Include revoked devices." };
        var command = new Command("list", "List the registered devices.") { data, postgres, tenant, all };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            await using var store = await StoreOptions.OpenAsync(parsed.GetValue(data)!, parsed.GetValue(postgres), durableCommits: true, cancellationToken, mustExist: true);
            var devices = await store.ListDevicesAsync(parsed.GetValue(tenant), parsed.GetValue(all), cancellationToken);
            // How far each device acknowledged, and whether it is what holds compaction back (README "Bounded history").
            // (Only a store that compacts knows acknowledgements: PostgreSQL does not compact yet.)
            var progress = store is ICompactionStore compactable ? await Compaction.DeviceProgressReport.ForAsync(compactable, devices, cancellationToken) : null;
            output.WriteLine($"{"TENANT",-16} {"NAME",-24} {"ROLE",-11} {"REGISTERED",-20} {"REVOKED",-20} {"ACKED",-8} HOLDS BACK COMPACTION");
            foreach (var d in devices)
            {
                var p = progress?[(d.Tenant, d.Name)];
                output.WriteLine($"{d.Tenant,-16} {d.Name,-24} {d.Role.ToString().ToLowerInvariant(),-11} " +
                    $"{d.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}  {(d.RevokedAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss") : "-"),-20} " +
                    (p is null ? $"{"-",-8} -" : $"{p.Acknowledged,-8} {(p.HoldsBack ? $"yes, since {p.Since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z" : "no")}"));
            }
            return RelayCli.ExitOk;
        });
        return command;
    }

    private static Command Revoke(TextWriter output)
    {
        var data = CliOptions.Data();
        var postgres = StoreOptions.Postgres();
        var tenant = CliOptions.Tenant();
        var name = new Argument<string>("NAME") { Description = "The device to revoke." };
        var command = new Command("revoke", "Revoke a device: its token is refused from now on, open streams included.")
        {
            name, data, postgres, tenant,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            await using var store = await StoreOptions.OpenAsync(parsed.GetValue(data)!, parsed.GetValue(postgres), durableCommits: true, cancellationToken, mustExist: true);
            var revoked = await store.RevokeDeviceAsync(parsed.GetValue(tenant)!, parsed.GetValue(name)!, DateTimeOffset.UtcNow, cancellationToken)
                ?? throw new CliUsageException($"tenant '{parsed.GetValue(tenant)}' has no device named '{parsed.GetValue(name)}'");
            output.WriteLine($"revoked '{revoked.Name}' in tenant '{revoked.Tenant}' at {revoked.RevokedAt!.Value.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
            return RelayCli.ExitOk;
        });
        return command;
    }
}
