using Crdt.Core.Wire;
using Crdt.Relay.Sync;

namespace Crdt.Relay.Attachments;

/// <summary>A tenant's attachment policy (attachments.proto's <see cref="AttachmentPolicy"/>):
/// its default, its validation, and whether an upload of a given size and media type fits it.</summary>
internal static class AttachmentPolicies
{
    public const long DefaultMaxSizeBytes = 25L * 1024 * 1024;
    public const long DefaultPredownloadMaxKib = 1024;
    public const long LargestMaxSizeBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>25 MiB, any media type, the agenda pre-downloads attachments up to 1 MiB.</summary>
    public static AttachmentPolicy Default() => new()
    {
        MaxSizeBytes = DefaultMaxSizeBytes,
        Predownload = PredownloadMode.Under,
        PredownloadMaxKib = DefaultPredownloadMaxKib,
    };

    /// <summary>What is wrong with a policy (naming the field), or null when it can be stored.</summary>
    public static string? Problem(AttachmentPolicy policy)
    {
        if (policy.MaxSizeBytes is < 1 or > LargestMaxSizeBytes)
        {
            return $"max_size_bytes: {policy.MaxSizeBytes} is outside 1 byte to 2 GiB";
        }

        foreach (var type in policy.AllowedMediaTypes)
        {
            if (!IsMediaTypePattern(type))
            {
                return $"allowed_media_types: '{type}' is not a media type such as image/jpeg or image/*";
            }
        }
        if (policy.Predownload == PredownloadMode.Unspecified || !Enum.IsDefined(policy.Predownload))
        {
            return "predownload: must be none, under or all";
        }

        if (policy.Predownload == PredownloadMode.Under && policy.PredownloadMaxKib < 1)
        {
            return "predownload_max_kib: must be at least 1 with predownload 'under'";
        }

        return null;
    }

    /// <summary>Refuses an upload the policy does not admit (nothing is kept): over the size
    /// RESOURCE_EXHAUSTED, a media type not allowed or a malformed size or hash INVALID_ARGUMENT.</summary>
    public static void CheckUpload(AttachmentPolicy policy, string sha256, long size, string contentType)
    {
        if (!Sha256Hex.IsValid(sha256))
        {
            throw RelayRefusal.Invalid($"sha256 '{Shorten(sha256)}': not 64 lowercase hex characters");
        }

        if (size < 0)
        {
            throw RelayRefusal.Invalid($"attachment {sha256}: size {size} is negative");
        }

        if (size > policy.MaxSizeBytes)
        {
            throw RelayRefusal.TooLarge($"attachment {sha256}: {size} bytes is over the tenant's limit of {policy.MaxSizeBytes} bytes");
        }

        if (!IsMediaType(contentType))
        {
            throw RelayRefusal.Invalid($"attachment {sha256}: content_type '{Shorten(contentType)}' is not a media type such as image/jpeg");
        }

        if (policy.AllowedMediaTypes.Count > 0 && !policy.AllowedMediaTypes.Any(pattern => Matches(pattern, contentType)))
        {
            throw RelayRefusal.Invalid($"attachment {sha256}: media type '{contentType}' is not allowed (the tenant accepts {string.Join(", ", policy.AllowedMediaTypes)})");
        }
    }

    /// <summary>"image/*" matches any image type; otherwise the type must be equal (case-insensitive,
    /// parameters such as "; charset=utf-8" ignored).</summary>
    public static bool Matches(string pattern, string contentType)
    {
        var type = contentType.Split(';')[0].Trim();
        if (pattern.EndsWith("/*", StringComparison.Ordinal))
        {
            return type.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase);
        }

        return string.Equals(pattern, type, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>One line for the CLI and logs.</summary>
    public static string Describe(AttachmentPolicy policy) =>
        $"max size {policy.MaxSizeBytes} bytes; media types {(policy.AllowedMediaTypes.Count == 0 ? "any" : string.Join(", ", policy.AllowedMediaTypes))}; " +
        $"agenda pre-downloads {policy.Predownload switch
        {
            PredownloadMode.None => "none",
            PredownloadMode.All => "all",
            _ => $"those up to {policy.PredownloadMaxKib} KiB",
        }}";

    private static bool IsMediaType(string value)
    {
        var type = value.Split(';')[0].Trim();
        var parts = type.Split('/');
        return parts.Length == 2 && IsToken(parts[0]) && IsToken(parts[1]) && value.Length <= 200;
    }

    private static bool IsMediaTypePattern(string value) =>
        value.EndsWith("/*", StringComparison.Ordinal) ? IsToken(value[..^2]) : IsMediaType(value) && !value.Contains(';');

    private static bool IsToken(string part) =>
        part.Length is > 0 and <= 100 && part.All(c => char.IsAsciiLetterOrDigit(c) || "!#$&-^_.+".Contains(c));

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "...";
}

/// <summary>The content address of an attachment: lowercase hex SHA-256.</summary>
internal static class Sha256Hex
{
    public static bool IsValid(string value) =>
        value.Length == 64 && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
