using System.Security.Cryptography;

namespace Crdt.Relay.Devices;

/// <summary>
/// Bearer tokens for devices: 32 random bytes shown once (base64url), stored only as their
/// SHA-256 hash. A hash suffices (no salt or slow KDF) because the token is random and
/// 256 bits long: there is no dictionary to attack.
/// </summary>
public static class DeviceTokens
{
    /// <summary>A new random token, URL- and header-safe.</summary>
    public static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The hash the store keeps for <paramref name="token"/>.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
