using System.Security.Cryptography;
using System.Text;
using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica;

/// <summary>
/// The default <see cref="ISecretProtector"/>: AES-256-GCM with a random key kept in its own file,
/// owner-only (0600 on Unix), next to the replica file (<c>&lt;replica file&gt;.key</c>), created on first use.
/// <para>
/// What it protects against: the replica file leaving the device without the key file (copied
/// for support, attached to a mail, picked up by a file-level backup or sync tool that takes the
/// database) and anyone reading the file's bytes, free pages included: the token and replica key
/// are never in it in plain text. What it does not protect against: someone who can read the
/// folder (the user's account, root, malware running as the user, a backup of the whole folder)
/// has the key as well. For that, back <see cref="ISecretProtector"/> with the platform's keystore.
/// </para>
/// </summary>
public sealed class KeyFileSecretProtector : ISecretProtector
{
    private const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly object _keyLock = new();
    private byte[]? _key;

    /// <param name="keyFile">where the key is kept (created owner-only on first use when missing)</param>
    public KeyFileSecretProtector(string keyFile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFile);
        KeyFile = Path.GetFullPath(keyFile);
    }

    /// <summary>The default for a replica file: its key file beside it.</summary>
    public static KeyFileSecretProtector ForReplicaFile(string replicaPath) => new(replicaPath + ".key");

    /// <summary>The file holding the key.</summary>
    public string KeyFile { get; }

    public byte[] Protect(ReadOnlySpan<byte> secret, string purpose)
    {
        var output = new byte[NonceBytes + TagBytes + secret.Length];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key(create: true), TagBytes);
        aes.Encrypt(nonce, secret, output.AsSpan(NonceBytes + TagBytes), output.AsSpan(NonceBytes, TagBytes), Encoding.UTF8.GetBytes(purpose));
        return output;
    }

    public byte[] Unprotect(ReadOnlySpan<byte> protectedSecret, string purpose)
    {
        if (protectedSecret.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException($"a protected {purpose} is at least {NonceBytes + TagBytes} bytes; this one {protectedSecret.Length}");
        }
        var secret = new byte[protectedSecret.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(Key(create: false), TagBytes);
        aes.Decrypt(protectedSecret[..NonceBytes], protectedSecret[(NonceBytes + TagBytes)..], protectedSecret.Slice(NonceBytes, TagBytes),
            secret, Encoding.UTF8.GetBytes(purpose));
        return secret;
    }

    private byte[] Key(bool create)
    {
        lock (_keyLock)
        {
            return _key ??= Load(create);
        }
    }

    private byte[] Load(bool create)
    {
        if (File.Exists(KeyFile))
        {
            var bytes = File.ReadAllBytes(KeyFile);
            return bytes.Length == KeyBytes
                ? bytes
                : throw new CryptographicException($"key file '{KeyFile}' holds {bytes.Length} bytes, not a {KeyBytes}-byte key");
        }
        if (!create)
        {
            throw new CryptographicException($"key file '{KeyFile}' is missing: the secrets in the replica file cannot be read without it");
        }
        var fresh = RandomNumberGenerator.GetBytes(KeyBytes);
        try
        {
            using var stream = OwnerOnly.CreateNewFile(KeyFile);
            stream.Write(fresh);
            stream.Flush(flushToDisk: true);
            return fresh;
        }
        catch (IOException) when (File.Exists(KeyFile))
        {
            // Another process created it first: use theirs, or the two would protect with different keys.
            return Load(create: false);
        }
    }
}
