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
            Description = "Refuse ops stamped further ahead of the relay's clock than this. Default: 300",
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
            await using var relay = await RelayHost.StartAsync(options, cancellationToken);
            Console.Out.WriteLine($"relay serving {relay.Address} (data: {Path.GetFullPath(options.DataDirectory)})");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            return RelayCli.ExitOk;
        });
        return command;
    }
}
