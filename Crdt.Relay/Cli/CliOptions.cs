using System.CommandLine;
using System.Net;
using Crdt.Relay.Devices;

namespace Crdt.Relay.Cli;

/// <summary>The options the relay's commands share, with their validation.</summary>
internal static class CliOptions
{
    public const string DefaultData = "relay-data";
    public const string DefaultListen = "127.0.0.1:5171";
    public const string DefaultWebListen = "127.0.0.1:5172";

    public static Option<string> Data() => new("--data")
    {
        Description = "The relay's data folder (SQLite database), relative to the current folder.",
        DefaultValueFactory = _ => DefaultData,
    };

    public static Option<string> Tenant()
    {
        var option = new Option<string>("--tenant")
        {
            Description = "The tenant.",
            DefaultValueFactory = _ => DeviceNames.DefaultTenant,
        };
        option.Validators.Add(result =>
        {
            if (DeviceNames.CheckTenantName(result.GetValueOrDefault<string>()) is { } problem)
            {
                result.AddError(problem);
            }
        });
        return option;
    }

    public static Option<string> Listen()
    {
        var option = new Option<string>("--listen")
        {
            Description = "The address and port to listen on (h2c, or TLS with --tls-cert).",
            DefaultValueFactory = _ => DefaultListen,
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!IPEndPoint.TryParse(value ?? "", out var endpoint) || endpoint.Port is < 0 or > 65535 || !value!.Contains(':'))
            {
                result.AddError($"--listen '{value}' is not an address:port such as {DefaultListen}");
            }
        });
        return option;
    }

    /// <summary><c>--web-listen HOST:PORT</c>: the HTTP/1.1 listener for gRPC-Web; <c>none</c> turns it off.</summary>
    public static Option<string> WebListen()
    {
        var option = new Option<string>("--web-listen")
        {
            Description = "The HTTP/1.1 address:port for gRPC-Web (browsers), or 'none'.",
            DefaultValueFactory = _ => DefaultWebListen,
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value == "none")
            {
                return;
            }

            if (!IPEndPoint.TryParse(value ?? "", out var endpoint) || endpoint.Port is < 0 or > 65535 || !value!.Contains(':'))
            {
                result.AddError($"--web-listen '{value}' is not an address:port such as {DefaultWebListen}, nor 'none'");
            }
        });
        return option;
    }

    public static IPEndPoint? ParseWebListen(string value) => value == "none" ? null : IPEndPoint.Parse(value);

    public static Option<string?> ExistingFile(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            var path = result.GetValueOrDefault<string?>();
            if (path is not null && !File.Exists(path))
            {
                result.AddError($"{name} '{path}': no such file");
            }
        });
        return option;
    }
}
