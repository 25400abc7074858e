using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Crdt.Core;

namespace Crdt.Relay.Sync;

/// <summary>
/// The bytes of a tenant checkpoint's document and of its writer state. A document body is
/// <c>format byte, SHA-256 of the rest, version (log position of the document's last op), the
/// technicians the order was ever assigned to, the document's full snapshot</c>: the checksum makes a
/// damaged body an error at start-up (the relay then replays the log) instead of wrong state.
/// </summary>
internal static class CheckpointCodec
{
    private const byte Format = 1;
    private const int HashBytes = 32;

    /// <summary>One document of a checkpoint, decoded and checked.</summary>
    /// <remarks>The snapshot is a slice of the body, not a copy: start-up decodes a few hundred MB of them.</remarks>
    public sealed record DocumentBody(long Version, IReadOnlyList<string> EverAssigned, ReadOnlyMemory<byte> Snapshot);

    /// <summary>What the writing node knew beyond the documents: its replica id and next sequence, and its clock.</summary>
    public sealed record WriterState(string Relay, long NextRelaySequence, long ClockWallMs, int ClockCounter, string ClockReplica);

    public static byte[] EncodeDocument(long version, IEnumerable<string> everAssigned, byte[] snapshot)
    {
        using var buffer = new MemoryStream(snapshot.Length + 64);
        buffer.WriteByte(Format);
        buffer.Write(new byte[HashBytes]);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write7BitEncodedInt64(version);
            var names = everAssigned.Order(StringComparer.Ordinal).ToArray();
            writer.Write7BitEncodedInt(names.Length);
            foreach (var name in names)
            {
                writer.Write(name);
            }
            writer.Write7BitEncodedInt(snapshot.Length);
            writer.Write(snapshot);
        }
        var body = buffer.ToArray();
        SHA256.HashData(body.AsSpan(1 + HashBytes), body.AsSpan(1, HashBytes));
        return body;
    }

    /// <summary>Decodes a body; throws <see cref="InvalidDataException"/> naming the problem when it is damaged.</summary>
    public static DocumentBody DecodeDocument(byte[] body)
    {
        if (body.Length < 1 + HashBytes || body[0] != Format)
        {
            throw new InvalidDataException($"unknown checkpoint format {(body.Length > 0 ? body[0] : -1)} or truncated body ({body.Length} bytes)");
        }
        Span<byte> hash = stackalloc byte[HashBytes];
        SHA256.HashData(body.AsSpan(1 + HashBytes), hash);
        if (!hash.SequenceEqual(body.AsSpan(1, HashBytes)))
        {
            throw new InvalidDataException("its checksum does not match its bytes");
        }
        try
        {
            using var reader = new BinaryReader(new MemoryStream(body, 1 + HashBytes, body.Length - 1 - HashBytes), Encoding.UTF8);
            var version = reader.Read7BitEncodedInt64();
            var names = new string[reader.Read7BitEncodedInt()];
            for (var i = 0; i < names.Length; i++)
            {
                names[i] = reader.ReadString();
            }
            var length = reader.Read7BitEncodedInt();
            var at = 1 + HashBytes + (int)reader.BaseStream.Position;
            if (length < 0 || length > body.Length - at)
            {
                throw new EndOfStreamException($"its snapshot claims {length} bytes where {body.Length - at} remain");
            }
            return new DocumentBody(version, names, body.AsMemory(at, length));
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or IOException)
        {
            throw new InvalidDataException($"its body does not decode ({e.Message})", e);
        }
    }

    public static byte[] EncodeWriter(WriterState state) => JsonSerializer.SerializeToUtf8Bytes(state);

    /// <summary>Decodes the writer state; throws <see cref="InvalidDataException"/> when damaged.</summary>
    public static WriterState DecodeWriter(byte[] bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<WriterState>(bytes) ?? throw new InvalidDataException("its writer state is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"its writer state does not decode ({e.Message})", e);
        }
    }

    public static Hlc ClockOf(WriterState state) => new(state.ClockWallMs, state.ClockCounter, new ReplicaId(state.ClockReplica));
}
