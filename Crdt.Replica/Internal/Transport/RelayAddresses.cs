namespace Crdt.Replica.Internal.Transport;

/// <summary>
/// The relay addresses a person signs in with: one, or several nodes of one relay on a shared
/// database (README "Running several relays"). Kept in the replica file in the credentials'
/// relay column as one string, the addresses joined by commas, so a file written with a single
/// address reads as a list of one and the file format does not change.
/// </summary>
internal static class RelayAddresses
{
    private const char Separator = ',';

    /// <summary>The stored form of <paramref name="addresses"/> (checked with <see cref="Check"/> first).</summary>
    public static string Join(IReadOnlyList<string> addresses) => string.Join(Separator, addresses);

    /// <summary>The addresses of a stored form, in the order the person gave them.</summary>
    public static IReadOnlyList<string> Split(string stored) =>
        stored.Split(Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>"the relay at X" or "every relay node (X, Y)", for messages.</summary>
    public static string Describe(string stored) => Split(stored) is { Count: > 1 } several
        ? "every relay node (" + string.Join(", ", several) + ")"
        : "the relay at " + stored;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the address at fault: none given, one that is
    /// not an absolute http:// or https:// address, one with a comma (the stored separator), or the
    /// same address twice.
    /// </summary>
    public static void Check(IReadOnlyList<string> addresses, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(addresses, parameterName);
        if (addresses.Count == 0)
        {
            throw new ArgumentException("no relay address given", parameterName);
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var address in addresses)
        {
            if (address is null || address.Contains(Separator, StringComparison.Ordinal) ||
                !Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"relay URL '{address}' is not an http:// or https:// address", parameterName);
            }
            if (!seen.Add(address.TrimEnd('/')))
            {
                throw new ArgumentException($"relay URL '{address}' is given twice", parameterName);
            }
        }
    }
}
