using System.CommandLine;
using System.Text.Json;
using Crdt.Core;
using Crdt.Relay.Compaction;
using Crdt.Relay.Storage.Sqlite;

namespace Crdt.Relay.Cli;

/// <summary>
/// <c>compact --data DIR [--json]</c>: compacts a stopped relay's store (README "Bounded history"):
/// every tenant's log ops below its stable horizon become compacted document bases, then the file
/// is vacuumed. Prints what it did; with <c>--json</c> one object with opsBefore, opsAfter,
/// bytesBefore, bytesAfter and per tenant the horizon and the devices holding it back.
/// </summary>
internal static class CompactCommand
{
    public static Command Create(TextWriter output)
    {
        var data = CliOptions.Data();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("compact", "Compact a stopped relay's store: fold what every device has acknowledged into document bases.")
        {
            data, json,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var folder = parsed.GetValue(data)!;
            if (!File.Exists(SqliteRelayStore.DatabasePath(folder)))
            {
                throw new CliUsageException($"--data '{folder}': no relay data there");
            }

            var bytesBefore = StoreBytes(folder);
            var tenants = new List<TenantCompaction>();
            await using (var store = SqliteRelayStore.Open(folder))
            {
                var compactor = new RelayCompactor(store, SchemaRegistry.CreateDefault());
                foreach (var tenant in await store.ListTenantsAsync(cancellationToken))
                {
                    tenants.Add(await compactor.CompactTenantAsync(tenant.Name, cancellationToken));
                }
                await store.VacuumAsync(cancellationToken);
            }
            var bytesAfter = StoreBytes(folder);
            var opsBefore = tenants.Sum(t => t.OpsBefore);
            var opsAfter = tenants.Sum(t => t.OpsAfter);
            if (parsed.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    opsBefore,
                    opsAfter,
                    bytesBefore,
                    bytesAfter,
                    tenants = tenants.Select(t => new
                    {
                        tenant = t.Tenant,
                        horizon = t.Horizon.Position,
                        opsBefore = t.OpsBefore,
                        opsAfter = t.OpsAfter,
                        documents = t.Documents,
                        recordsBefore = t.RecordsBefore,
                        recordsAfter = t.RecordsAfter,
                        heldBackBy = t.Horizon.HoldingBack.Select(d => new { device = d.Device, acknowledged = d.Acknowledged, since = d.Since.UtcDateTime }),
                    }),
                }));
                return RelayCli.ExitOk;
            }
            foreach (var t in tenants)
            {
                var holders = string.Join(", ", t.Horizon.HoldingBack.Select(d => $"'{d.Device}' (at {d.Acknowledged} since {d.Since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)"));
                output.WriteLine($"tenant '{t.Tenant}': stable through log position {t.Horizon.Position}; ops {t.OpsBefore} -> {t.OpsAfter} " +
                    $"({t.Documents} document base(s)); held back by {(holders.Length == 0 ? "no device" : holders)}");
            }
            output.WriteLine($"compacted {Path.GetFullPath(folder)}: ops {opsBefore} -> {opsAfter}, bytes {bytesBefore} -> {bytesAfter}");
            return RelayCli.ExitOk;
        });
        return command;
    }

    /// <summary>The store's size on disk: the database file and its write-ahead log.</summary>
    private static long StoreBytes(string folder)
    {
        var path = SqliteRelayStore.DatabasePath(folder);
        return new[] { path, path + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);
    }
}
