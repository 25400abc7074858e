using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Crdt.Bench.Bytes;

/// <summary>
/// Attributes every byte of protobuf messages to the field path that spends it (tag, length
/// prefix and payload), e.g. <c>runs.seq_deltas</c> or <c>elements.fields.value</c>, so an
/// encoding's size can be broken down without trusting an estimate. A nested message's own tag
/// and length prefix are booked under <c>path (frame)</c>.
/// </summary>
public sealed class WireBreakdown
{
    private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public long Total { get; private set; }

    public void Add(MessageDescriptor descriptor, byte[] bytes)
    {
        Total += bytes.Length;
        Walk(descriptor, bytes, "");
    }

    public IEnumerable<(string Path, long Bytes, long Count)> Rows() =>
        _bytes.OrderByDescending(p => p.Value).Select(p => (p.Key, p.Value, _counts.GetValueOrDefault(p.Key)));

    private void Book(string path, long bytes)
    {
        _bytes[path] = _bytes.GetValueOrDefault(path) + bytes;
    }

    private void Walk(MessageDescriptor descriptor, ReadOnlySpan<byte> bytes, string prefix)
    {
        int position = 0;
        while (position < bytes.Length)
        {
            int start = position;
            ulong tag = ReadVarint(bytes, ref position);
            int number = (int)(tag >> 3);
            int wireType = (int)(tag & 7);
            var field = descriptor.FindFieldByNumber(number);
            string path = prefix + (field?.Name ?? $"#{number}");
            _counts[path] = _counts.GetValueOrDefault(path) + 1;
            switch (wireType)
            {
                case 0:
                    ReadVarint(bytes, ref position);
                    Book(path, position - start);
                    break;
                case 1:
                    position += 8;
                    Book(path, position - start);
                    break;
                case 5:
                    position += 4;
                    Book(path, position - start);
                    break;
                case 2:
                {
                    int length = (int)ReadVarint(bytes, ref position);
                    int payload = position;
                    position += length;
                    if (field?.FieldType == FieldType.Message)
                    {
                        Book(path + " (frame)", payload - start);
                        Walk(field.MessageType, bytes.Slice(payload, length), path + ".");
                    }
                    else
                    {
                        Book(path, position - start);
                    }
                    break;
                }
                default:
                    throw new InvalidOperationException($"wire type {wireType} at {start} is not supported");
            }
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }

    public void Print(TextWriter output, string title, int docs)
    {
        output.WriteLine($"{title}: {Total:N0} B total, {Total / (double)Math.Max(1, docs):N1} B/doc");
        foreach (var (path, bytes, count) in Rows())
        {
            output.WriteLine($"  {path,-40} {bytes,12:N0} B  {100.0 * bytes / Math.Max(1, Total),5:F1}%  n={count:N0}");
        }
    }
}
