using System.CommandLine;
using Crdt.Core.Wire;
using Crdt.Relay.Attachments;
using Crdt.Relay.Storage.Blobs;
using Crdt.Relay.Services;

namespace Crdt.Relay.Cli;

/// <summary><c>attachments-policy</c>: shows or changes a tenant's attachment policy on the data
/// folder (or PostgreSQL database) directly; running relays read it on the next upload.</summary>
internal static class AttachmentsPolicyCommand
{
    public static Command Create(TextWriter output)
    {
        var data = CliOptions.Data();
        var postgres = StoreOptions.Postgres();
        var tenant = CliOptions.Tenant();
        var maxSize = new Option<string?>("--max-size") { Description = "Largest attachment accepted: bytes, or with KiB / MiB / GiB (e.g. 25MiB)." };
        maxSize.Validators.Add(r =>
        {
            if (ParseSize(r.GetValueOrDefault<string?>()) is null)
            {
                r.AddError($"--max-size '{r.GetValueOrDefault<string?>()}' is not a size such as 25MiB or 1048576");
            }
        });
        var types = new Option<string?>("--types") { Description = "Media types accepted, comma-separated (image/*,application/pdf), or 'any'." };
        var predownload = new Option<string?>("--predownload") { Description = "What the agenda check-out downloads: none, all, or under:KIB (e.g. under:512)." };
        predownload.Validators.Add(r =>
        {
            if (ParsePredownload(r.GetValueOrDefault<string?>()) is null)
            {
                r.AddError($"--predownload '{r.GetValueOrDefault<string?>()}' is not none, all or under:KIB");
            }
        });
        var command = new Command("attachments-policy", "Show a tenant's attachment policy, or change the parts given (size limit, media types, agenda pre-download).")
        {
            data, postgres, tenant, maxSize, types, predownload,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var options = new RelayOptions { DataDirectory = parsed.GetValue(data)! };
            await using var store = await StoreOptions.OpenAsync(options.DataDirectory, parsed.GetValue(postgres), durableCommits: true, cancellationToken, mustExist: true);
            await using var blobs = BlobStores.For(store, options);
            var name = parsed.GetValue(tenant)!;
            var policy = (await AttachmentsService.PolicyAsync(blobs, name, cancellationToken)).Clone();
            var changes = false;
            if (parsed.GetValue(maxSize) is { } size)
            {
                policy.MaxSizeBytes = ParseSize(size)!.Value;
                changes = true;
            }
            if (parsed.GetValue(types) is { } list)
            {
                policy.AllowedMediaTypes.Clear();
                if (list.Trim() != "any")
                {
                    policy.AllowedMediaTypes.AddRange(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                }

                changes = true;
            }
            if (parsed.GetValue(predownload) is { } mode)
            {
                var (kind, kib) = ParsePredownload(mode)!.Value;
                policy.Predownload = kind;
                policy.PredownloadMaxKib = kib;
                changes = true;
            }
            if (changes)
            {
                if (AttachmentPolicies.Problem(policy) is { } problem)
                {
                    throw new CliUsageException(problem);
                }

                await blobs.SetPolicyAsync(name, policy, cancellationToken);
            }
            output.WriteLine($"tenant '{name}': {AttachmentPolicies.Describe(policy)}");
            return RelayCli.ExitOk;
        });
        return command;
    }

    internal static long? ParseSize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var value = text.Trim();
        long unit = 1;
        foreach (var (suffix, factor) in new[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("B", 1L) })
        {
            if (value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                unit = factor;
                value = value[..^suffix.Length].Trim();
                break;
            }
        }
        return long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            && number <= long.MaxValue / unit ? number * unit : null;
    }

    internal static (PredownloadMode Mode, long Kib)? ParsePredownload(string? text) => text?.Trim() switch
    {
        "none" => (PredownloadMode.None, 0),
        "all" => (PredownloadMode.All, 0),
        { } under when under.StartsWith("under:", StringComparison.Ordinal)
            && long.TryParse(under[6..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var kib) && kib > 0 => (PredownloadMode.Under, kib),
        _ => null,
    };
}
