using System.CommandLine;
using System.Text.Json;
using Crdt.Core;
using Crdt.Relay.Compaction;
using Crdt.Relay.Storage.Sqlite;

namespace Crdt.Relay.Cli;

/// <summary>
/// <c>compact --data DIR | --postgres CONN [--json]</c>: compacts a relay's store (README "Bounded history"):
/// every tenant's log ops below its stable horizon become compacted document bases. A SQLite relay must be
/// stopped (the file is vacuumed afterwards); a PostgreSQL store may be compacted while its relays run
/// (each follows, see RelayEngine.RunningCompaction). Prints what it did; with <c>--json</c> one object with
/// opsBefore, opsAfter, bytesBefore, bytesAfter and per tenant the horizon and the devices holding it back.
/// Bytes are the database file's (SQLite) or the tenants' history bytes, op payloads plus bases (PostgreSQL).
/// </summary>
internal static class CompactCommand
{
    public static Command Create(TextWriter output)
    {
        var data = CliOptions.Data();
        var postgres = StoreOptions.Postgres();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Documents compacted per transaction (a kill leaves each batch whole or untouched).",
            DefaultValueFactory = _ => 200,
        };
        batchSize.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 100_000)
            {
                r.AddError("--batch-size must be 1 to 100000");
            }
        });
        var command = new Command("compact", "Compact a stopped relay's store: fold what every device has acknowledged into document bases.")
        {
            data, postgres, json, batchSize,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var folder = parsed.GetValue(data)!;
            var onPostgres = StoreOptions.PostgresFrom(parsed.GetValue(postgres)) is not null;
            if (!onPostgres && !File.Exists(SqliteRelayStore.DatabasePath(folder)))
            {
                throw new CliUsageException($"--data '{folder}': no relay data there");
            }

            var bytesBefore = onPostgres ? 0 : StoreBytes(folder);
            var tenants = new List<TenantCompaction>();
            string where;
            await using (var store = await StoreOptions.OpenAsync(folder, parsed.GetValue(postgres), durableCommits: true, cancellationToken, mustExist: true))
            {
                where = StoreOptions.Describe(store, folder);
                var compactor = new RelayCompactor(store, SchemaRegistry.CreateDefault()) { BatchSize = parsed.GetValue(batchSize) };
                foreach (var tenant in await store.ListTenantsAsync(cancellationToken))
                {
                    tenants.Add(await compactor.CompactTenantAsync(tenant.Name, cancellationToken));
                }
                if (store is SqliteRelayStore sqlite)
                {
                    await sqlite.VacuumAsync(cancellationToken);
                }
            }
            var bytesAfter = onPostgres ? tenants.Sum(t => t.BytesAfter) : StoreBytes(folder);
            if (onPostgres)
            {
                bytesBefore = tenants.Sum(t => t.BytesBefore);
            }
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
            output.WriteLine($"compacted {where}: ops {opsBefore} -> {opsAfter}, bytes {bytesBefore} -> {bytesAfter}");
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
