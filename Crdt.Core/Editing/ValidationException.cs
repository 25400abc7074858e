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
        : base(Describe(document, field, reason))
    {
        Document = document;
        Field = field;
        Reason = reason;
    }

    /// <summary>Creates the error for a broken schema rule (<see cref="SchemaCheck"/>).</summary>
    public ValidationException(DocumentKey document, SchemaViolation violation)
        : this(document, (violation ?? throw new ArgumentNullException(nameof(violation))).Field, violation.Message)
    {
        Rule = violation.Rule;
    }

    private static string Describe(DocumentKey document, string? field, string reason)
    {
        var where = document.Collection is null ? "" : $"{document}: ";
        return field is null ? where + reason : $"{where}field '{field}': {reason}";
    }

    /// <summary>The document the edit was for.</summary>
    public DocumentKey Document { get; }

    /// <summary>The field at fault, or null when the fault is not one field's.</summary>
    public string? Field { get; }

    /// <summary>Why the edit was refused.</summary>
    public string Reason { get; }

    /// <summary>The schema rule the edit broke, or null when the refusal is about the document's state.</summary>
    public EditRule? Rule { get; }
}
