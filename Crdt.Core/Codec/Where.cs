namespace Crdt.Core.Codec;

/// <summary>
/// Where in a message a decode error happened. Formatted only when an error is thrown, so the
/// happy path of decoding allocates no description strings.
/// </summary>
internal readonly struct Where
{
    private readonly string? _text;
    private readonly string? _part;
    private readonly Dot _dot;
    private readonly DocumentKey _document;
    private readonly int _index;
    private readonly string? _field;

    private Where(string? text, string? part, Dot dot, DocumentKey document, int index, string? field = null)
    {
        _text = text;
        _part = part;
        _dot = dot;
        _document = document;
        _index = index;
        _field = field;
    }

    public static implicit operator Where(string text) => new(text, null, default, default, -1);

    public static Where InOp(Dot dot, string part) => new(null, part, dot, default, -1);

    public static Where InMutation(Dot dot, DocumentKey document, int index) => new(null, null, dot, document, index);

    /// <summary>A named part (<paramref name="part"/>, then the field's name) of the snapshot of <paramref name="document"/>.</summary>
    public static Where InSnapshot(DocumentKey document, string part, string field) => new(null, part, default, document, -2, field);

    public static string operator +(Where where, string suffix) => where.ToString() + suffix;

    public override string ToString() =>
        _text ?? (_index == -2 ? $"snapshot of {_document} {_part} '{_field}'" : _index >= 0 ? $"op {_dot} on {_document}, mutation {_index}" : $"op {_dot} {_part}");
}
