using System.CommandLine;
using System.CommandLine.Help;

namespace Crdt.Relay.Cli;

/// <summary>
/// The relay executable's command line: <c>serve</c>, <c>device add|list|revoke</c>, <c>compact</c> and <c>attachments-policy</c>.
/// Bad arguments print one line to stderr and exit with 2; <c>--help</c> works on every command.
/// </summary>
public static class RelayCli
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitUsage = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        var root = new RootCommand("CrdtFieldStore relay: the sync hub for replicas and the document API for other stacks.")
        {
            ServeCommand.Create(),
            DeviceCommands.Create(output),
            CompactCommand.Create(output),
            AttachmentsPolicyCommand.Create(output),
        };
        var parsed = root.Parse(args);
        if (parsed.Action is not HelpAction && parsed.Errors.Count > 0)
        {
            error.WriteLine($"error: {OneLine(string.Join("; ", parsed.Errors.Select(e => e.Message).Distinct()))} (see --help)");
            return ExitUsage;
        }
        try
        {
            var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            return await parsed.InvokeAsync(invocation).ConfigureAwait(false);
        }
        catch (CliUsageException e)
        {
            error.WriteLine($"error: {OneLine(e.Message)}");
            return ExitUsage;
        }
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>An argument that parsed but makes no sense against the relay's data (a name
/// already taken, an unknown device): reported like a parse error, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
