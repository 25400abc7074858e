namespace Crdt.Core;

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

    private Where(string? text, string? part, Dot dot, DocumentKey document, int index)
    {
        _text = text;
        _part = part;
        _dot = dot;
        _document = document;
        _index = index;
    }

    public static implicit operator Where(string text) => new(text, null, default, default, -1);

    public static Where InOp(Dot dot, string part) => new(null, part, dot, default, -1);

    public static Where InMutation(Dot dot, DocumentKey document, int index) => new(null, null, dot, document, index);

    public static string operator +(Where where, string suffix) => where.ToString() + suffix;

    public override string ToString() =>
        _text ?? (_index >= 0 ? $"op {_dot} on {_document}, mutation {_index}" : $"op {_dot} {_part}");
}
