namespace Crdt.Core;

/// <summary>
/// An edit was refused at write time: unknown collection or field, wrong value type, missing
/// required field, work added to a closed order, edit of a deleted document, unknown flag.
/// Nothing of the edit was applied. The message names the document, the field and the reason.
/// </summary>
public sealed class ValidationException : Exception
{
    /// <summary>Creates the error.</summary>
    public ValidationException(DocumentKey document, string? field, string reason)
        : base(field is null ? $"{document}: {reason}" : $"{document}, field '{field}': {reason}")
    {
        Document = document;
        Field = field;
        Reason = reason;
    }

    /// <summary>The document the edit was for.</summary>
    public DocumentKey Document { get; }

    /// <summary>The field at fault, or null when the fault is not one field's.</summary>
    public string? Field { get; }

    /// <summary>Why the edit was refused.</summary>
    public string Reason { get; }
}
