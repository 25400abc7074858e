namespace Crdt.Relay.Devices;

/// <summary>What a device or tenant name may be; one place so the CLI and the Admin service agree.</summary>
public static class DeviceNames
{
    public const string DefaultTenant = "default";

    /// <summary>Null when valid, else why not.</summary>
    public static string? CheckDeviceName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "a device name must not be empty";
        }

        if (name.Length > 100)
        {
            return $"device name '{name[..20]}…' is longer than 100 characters";
        }

        if (name.Any(char.IsControl))
        {
            return "a device name must not contain control characters";
        }

        if (name.Trim() != name)
        {
            return $"device name '{name}' must not start or end with spaces";
        }

        return null;
    }

    /// <summary>Null when valid, else why not.</summary>
    public static string? CheckTenantName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "a tenant name must not be empty";
        }

        if (name.Length > 100)
        {
            return "a tenant name must not be longer than 100 characters";
        }

        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return $"tenant name '{name}' may hold only letters, digits, '-', '_' and '.'";
        }

        return null;
    }
}
