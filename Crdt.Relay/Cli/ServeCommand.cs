using System.CommandLine;
using System.Net;

namespace Crdt.Relay.Cli;

/// <summary><c>serve</c>: runs the relay until Ctrl+C / SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var data = CliOptions.Data();
        var postgres = StoreOptions.Postgres();
        var listen = CliOptions.Listen();
        var webListen = CliOptions.WebListen();
        var tlsCert = CliOptions.ExistingFile("--tls-cert", "PEM certificate file: serve TLS instead of h2c (needs --tls-key).");
        var tlsKey = CliOptions.ExistingFile("--tls-key", "PEM private key file for --tls-cert.");
        var skew = new Option<int>("--max-clock-skew-seconds")
        {
            Description = "Refuse ops stamped further ahead of the relay's clock than this.",
            DefaultValueFactory = _ => 300,
        };
        skew.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0)
            {
                r.AddError("--max-clock-skew-seconds must be positive");
            }
        });
        var pushesAtOnce = new Option<int>("--pushes-at-once")
        {
            Description = "How many pushes are worked on at once (the default is one more than the cores); the others wait. Raise it on PostgreSQL with many tenants.",
            DefaultValueFactory = _ => Services.PushAdmission.DefaultLimit,
        };
        pushesAtOnce.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0)
            {
                r.AddError("--pushes-at-once must be positive");
            }
        });
        var compactEvery = CompactEveryOption.Create();
        var command = new Command("serve", "Run the relay (SQLite storage in --data or PostgreSQL with --postgres, h2c or TLS on --listen).")
        {
            data, postgres, listen, webListen, tlsCert, tlsKey, skew, pushesAtOnce, compactEvery,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(tlsCert) is null) != (r.GetValue(tlsKey) is null))
            {
                r.AddError("--tls-cert and --tls-key go together");
            }
        });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var options = new RelayOptions
            {
                DataDirectory = parsed.GetValue(data)!,
                Listen = IPEndPoint.Parse(parsed.GetValue(listen)!),
                WebListen = CliOptions.ParseWebListen(parsed.GetValue(webListen)!),
                TlsCertificatePath = parsed.GetValue(tlsCert),
                TlsKeyPath = parsed.GetValue(tlsKey),
                MaxClockSkew = TimeSpan.FromSeconds(parsed.GetValue(skew)),
                PushesAtOnce = parsed.GetValue(pushesAtOnce),
                CompactEvery = CompactEveryOption.Parse(parsed.GetValue(compactEvery)!, out var every) is null ? every : null,
            };
            // A store that cannot be opened (unreachable PostgreSQL, refused login) is exit code 2.
            var store = await StoreOptions.OpenAsync(options.DataDirectory, parsed.GetValue(postgres), options.DurableCommits, cancellationToken);
            var storeDescription = StoreOptions.Describe(store, options.DataDirectory);
            RelayHost relayHost;
            try
            {
                relayHost = await RelayHost.StartAsync(options, store, cancellationToken);
            }
            catch (IOException e)
            {
                // Port taken, data folder not writable: say so in one line.
                Console.Error.WriteLine($"error: cannot serve on {options.Listen}: {e.Message}");
                return RelayCli.ExitFailure;
            }
            catch (Storage.StoreUnavailableException e)
            {
                // The database went away between opening it and loading the tenants.
                Console.Error.WriteLine($"error: {e.Message}");
                return RelayCli.ExitFailure;
            }
            await using var relay = relayHost;
            Console.Out.WriteLine($"relay serving {relay.Address} ({storeDescription})");
            if (relay.WebAddress is { } web)
            {
                Console.Out.WriteLine($"relay serving gRPC-Web on {web} (HTTP/1.1)");
                Console.Out.WriteLine($"dispatcher board on {web}board/");
            }
            Console.Out.WriteLine(options.CompactEvery is { } interval
                ? $"compacting every tenant every {interval} (--compact-every)"
                : "compaction on a schedule is off (--compact-every off)");
            await relay.WaitForShutdownAsync(cancellationToken);
            return RelayCli.ExitOk;
        });
        return command;
    }
}
