using System.CommandLine;
using System.CommandLine.Parsing;

namespace FieldApp;

/// <summary>
/// Turns System.CommandLine's parse errors into the one line a person can act on: an unknown
/// command is named (with the closest real one), a value outside a fixed list says which values
/// are allowed, all on one line so scripts and logs keep it whole.
/// </summary>
internal static class UsageErrors
{
    public static string Describe(RootCommand root, ParseResult parsed)
    {
        if (parsed.CommandResult.Command == root)
        {
            var commands = root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
            var word = parsed.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-'));
            if (word is not null)
            {
                var closest = Closest(word, commands);
                return $"unknown command '{word}'" + (closest is null ? "" : $"; did you mean '{closest}'?") + " (see --help)";
            }
            if (parsed.Tokens.All(t => t.Type != TokenType.Command))
            {
                return "no command given; one of: " + string.Join(", ", commands) + " (see --help)";
            }
        }
        return OneLine(parsed.Errors[0].Message) + " (see --help)";
    }

    /// <summary>An argument that takes only these values, refused in one line that lists them.</summary>
    public static Argument<string> OneOf(Argument<string> argument, params string[] allowed)
    {
        argument.CompletionSources.Add(allowed);
        argument.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!allowed.Contains(value, StringComparer.Ordinal))
            {
                var closest = Closest(value ?? "", allowed);
                result.AddError($"'{value}' is not one of {string.Join(", ", allowed)}" + (closest is null ? "" : $"; did you mean '{closest}'?"));
            }
        });
        return argument;
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The candidate within two edits of the word (a typo), or null.</summary>
    private static string? Closest(string word, IEnumerable<string> candidates) =>
        candidates.Select(c => (c, d: Distance(word.ToLowerInvariant(), c)))
            .Where(x => x.d <= 2).OrderBy(x => x.d).Select(x => x.c).FirstOrDefault();

    private static int Distance(string a, string b)
    {
        // Optimal string alignment distance: a swapped pair of letters ("sycn") counts as one edit.
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
