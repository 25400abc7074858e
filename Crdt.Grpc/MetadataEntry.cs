using System.Text;

namespace Crdt.Grpc;

/// <summary>
/// One metadata key and its value. Keys ending in <c>-bin</c> carry bytes (base64 on the wire);
/// all other keys carry printable ASCII text.
/// </summary>
public sealed class MetadataEntry
{
    private readonly string? _text;
    private readonly byte[]? _bytes;

    internal MetadataEntry(string key, string text)
    {
        Key = key;
        _text = text;
    }

    internal MetadataEntry(string key, byte[] bytes)
    {
        Key = key;
        _bytes = bytes;
    }

    /// <summary>The lower-case key.</summary>
    public string Key { get; }

    /// <summary>True for <c>-bin</c> keys, whose value is <see cref="ValueBytes"/>.</summary>
    public bool IsBinary => _bytes is not null;

    /// <summary>The text value; for a binary entry, its bytes read as UTF-8 would be meaningless, so this throws.</summary>
    public string Value => _text ?? throw new InvalidOperationException($"Metadata '{Key}' is binary; read ValueBytes.");

    /// <summary>The value as bytes: the binary value, or the ASCII bytes of a text value.</summary>
    public byte[] ValueBytes => _bytes ?? Encoding.ASCII.GetBytes(_text!);

    public override string ToString() => IsBinary ? $"{Key}: <{_bytes!.Length} bytes>" : $"{Key}: {_text}";
}
