using System.CommandLine;
using System.Globalization;

namespace Crdt.Relay.Cli;

/// <summary>
/// <c>serve --compact-every DURATION</c>: how often the running relay compacts every tenant (README
/// "Bounded history"). A number with a unit, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c> (<c>90s</c>,
/// <c>30m</c>, <c>6h</c>, <c>1d</c>), at least one second; <c>off</c> never compacts on a schedule.
/// Default 6h: four runs a day keep a tenant's log near what its devices have not all seen, while each
/// run (one transaction per batch of documents) stays short next to the pushes it shares the store with.
/// </summary>
internal static class CompactEveryOption
{
    public const string Default = "6h";

    public static Option<string> Create()
    {
        var option = new Option<string>("--compact-every")
        {
            Description = "Compact every tenant this often while serving: a number with s, m, h or d (e.g. 30m, 6h), or 'off'.",
            DefaultValueFactory = _ => Default,
        };
        option.Validators.Add(r =>
        {
            if (Parse(r.GetValueOrDefault<string>() ?? "", out _) is { } problem)
            {
                r.AddError($"--compact-every: {problem}");
            }
        });
        return option;
    }

    /// <summary>The interval (null for <c>off</c>), or a sentence saying what is wrong with <paramref name="text"/>.</summary>
    public static string? Parse(string text, out TimeSpan? every)
    {
        every = null;
        text = text.Trim();
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var unit = text.Length > 0 ? char.ToLowerInvariant(text[^1]) : ' ';
        var factor = unit switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => TimeSpan.Zero,
        };
        if (factor == TimeSpan.Zero || !double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return $"'{text}' is not a duration: write a number with s, m, h or d (e.g. 30m, 6h), or 'off'";
        }

        if (amount * factor.TotalSeconds < 1 || amount * factor.TotalDays > 365)
        {
            return $"'{text}' is outside 1s to 365d";
        }

        every = factor * amount;
        return null;
    }
}
