using System.CommandLine;
using System.Net;

namespace Crdt.Relay.Cli;

/// <summary><c>serve</c>: runs the relay until Ctrl+C / SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var data = CliOptions.Data();
        var listen = CliOptions.Listen();
        var tlsCert = CliOptions.ExistingFile("--tls-cert", "PEM certificate file: serve TLS instead of h2c (needs --tls-key).");
        var tlsKey = CliOptions.ExistingFile("--tls-key", "PEM private key file for --tls-cert.");
        var skew = new Option<int>("--max-clock-skew-seconds")
        {
            Description = "Refuse ops stamped further ahead of the relay's clock than this.",
            DefaultValueFactory = _ => 300,
        };
        skew.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0) r.AddError("--max-clock-skew-seconds must be positive");
        });
        var command = new Command("serve", "Run the relay (SQLite storage in --data, h2c or TLS on --listen).")
        {
            data, listen, tlsCert, tlsKey, skew,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(tlsCert) is null) != (r.GetValue(tlsKey) is null))
                r.AddError("--tls-cert and --tls-key go together");
        });
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var options = new RelayOptions
            {
                DataDirectory = parsed.GetValue(data)!,
                Listen = IPEndPoint.Parse(parsed.GetValue(listen)!),
                TlsCertificatePath = parsed.GetValue(tlsCert),
                TlsKeyPath = parsed.GetValue(tlsKey),
                MaxClockSkew = TimeSpan.FromSeconds(parsed.GetValue(skew)),
            };
            RelayHost relayHost;
            try
            {
                relayHost = await RelayHost.StartAsync(options, cancellationToken);
            }
            catch (IOException e)
            {
                // Port taken, data folder not writable: say so in one line.
                Console.Error.WriteLine($"error: cannot serve on {options.Listen}: {e.Message}");
                return RelayCli.ExitFailure;
            }
            await using var relay = relayHost;
            Console.Out.WriteLine($"relay serving {relay.Address} (data: {Path.GetFullPath(options.DataDirectory)})");
            await relay.WaitForShutdownAsync(cancellationToken);
            return RelayCli.ExitOk;
        });
        return command;
    }
}
