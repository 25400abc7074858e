using System.Security.Cryptography;
using System.Text;
using Crdt.Replica.Internal.Storage;

namespace Crdt.Replica.Internal.Backup;

/// <summary>
/// The backup file format:
/// <code>
/// "CRDTFSBK" | u16 format version | body | SHA-256(magic..body) (32 bytes)
/// body = device id, created (unix ms), then counted sections: documents (snapshot + JSON), ops, pending dots (with who made them), pins
/// </code>
/// Little-endian integers, strings as 7-bit-length-prefixed UTF-8 (BinaryWriter). The file is
/// checked whole (magic, version, checksum, structure) before anything is returned, so a
/// damaged file can never be half-imported.
/// </summary>
internal static class BackupCodec
{
    private static readonly byte[] Magic = "CRDTFSBK"u8.ToArray();

    public const ushort FormatVersion = 1;

    private const int ChecksumLength = 32;

    /// <summary>Upper bounds that keep a hostile file from making us allocate wildly.</summary>
    private const int MaxCount = 50_000_000;

    public static byte[] Encode(ReplicaBackup backup)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(backup.DeviceId);
            writer.Write(backup.CreatedAt.ToUnixTimeMilliseconds());
            writer.Write(backup.Documents.Count);
            foreach (var document in backup.Documents)
            {
                writer.Write(document.Collection);
                writer.Write(document.DocId);
                writer.Write(document.Snapshot.Length);
                writer.Write(document.Snapshot);
                writer.Write(document.Json);
            }
            writer.Write(backup.Ops.Count);
            foreach (var op in backup.Ops)
            {
                writer.Write(op.Replica);
                writer.Write(op.Seq);
                writer.Write(op.Collection);
                writer.Write(op.DocId);
                writer.Write(op.Bytes.Length);
                writer.Write(op.Bytes);
            }
            writer.Write(backup.Pending.Count);
            foreach (var pending in backup.Pending)
            {
                writer.Write(pending.Replica);
                writer.Write(pending.Seq);
                writer.Write(pending.UserName);
            }
            writer.Write(backup.Pins.Count);
            foreach (var (collection, docId) in backup.Pins)
            {
                writer.Write(collection);
                writer.Write(docId);
            }
        }
        var body = stream.ToArray();
        var result = new byte[body.Length + ChecksumLength];
        body.CopyTo(result, 0);
        SHA256.HashData(body, result.AsSpan(body.Length));
        return result;
    }

    /// <summary>Parses and verifies a backup; throws <see cref="ReplicaBackupException"/> naming the problem.</summary>
    public static ReplicaBackup Decode(byte[] file, string source)
    {
        if (file.Length < Magic.Length + sizeof(ushort) + ChecksumLength || !file.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new ReplicaBackupException($"'{source}' is not a CrdtFieldStore replica backup (no backup header)");
        }
        var version = BitConverter.ToUInt16(file, Magic.Length);
        if (version != FormatVersion)
        {
            throw new ReplicaBackupException(
                $"'{source}' is a backup of format version {version}; this build reads version {FormatVersion}");
        }
        var bodyLength = file.Length - ChecksumLength;
        var expected = SHA256.HashData(file.AsSpan(0, bodyLength));
        if (!expected.AsSpan().SequenceEqual(file.AsSpan(bodyLength)))
        {
            throw new ReplicaBackupException($"'{source}' is corrupted: its checksum does not match its contents");
        }
        try
        {
            using var reader = new BinaryReader(new MemoryStream(file, 0, bodyLength, writable: false), Encoding.UTF8);
            reader.ReadBytes(Magic.Length + sizeof(ushort));
            var deviceId = reader.ReadString();
            var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64());
            var documents = new List<StoredDocument>();
            for (var i = Count(reader); i > 0; i--)
            {
                var collection = reader.ReadString();
                var docId = reader.ReadString();
                var snapshot = Bytes(reader, bodyLength, $"document {collection}/{docId}");
                documents.Add(new StoredDocument(collection, docId, snapshot, reader.ReadString()));
            }
            var ops = new List<StoredOp>();
            for (var i = Count(reader); i > 0; i--)
            {
                var replica = reader.ReadString();
                var seq = reader.ReadInt64();
                var collection = reader.ReadString();
                var docId = reader.ReadString();
                var bytes = Bytes(reader, bodyLength, $"op {replica}:{seq}");
                ops.Add(new StoredOp(replica, seq, collection, docId, bytes));
            }
            var pending = new List<PendingDot>();
            for (var i = Count(reader); i > 0; i--)
            {
                pending.Add(new PendingDot(reader.ReadString(), reader.ReadInt64(), reader.ReadString()));
            }
            var pins = new List<(string, string)>();
            for (var i = Count(reader); i > 0; i--)
            {
                pins.Add((reader.ReadString(), reader.ReadString()));
            }
            if (reader.BaseStream.Position != bodyLength)
            {
                throw new InvalidDataException("unexpected bytes after the last section");
            }
            return new ReplicaBackup(deviceId, createdAt, documents, ops, pending, pins);
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidDataException or IOException or FormatException)
        {
            // The checksum matched, so the file was written this way: a writer bug, but still refused whole.
            throw new ReplicaBackupException($"'{source}' is not a valid backup: {ex.Message}", ex);
        }
    }

    private static byte[] Bytes(BinaryReader reader, int bodyLength, string what)
    {
        var length = reader.ReadInt32();
        if (length < 0 || length > bodyLength)
        {
            throw new InvalidDataException($"{what} has an impossible length {length}");
        }
        var bytes = reader.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new EndOfStreamException();
    }

    private static int Count(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count < 0 || count > MaxCount)
        {
            throw new InvalidDataException($"impossible section size {count}");
        }
        return count;
    }
}
