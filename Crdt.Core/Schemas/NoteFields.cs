namespace Crdt.Core;

/// <summary>Element fields of <see cref="WorkOrderFields.Notes"/>.</summary>
public static class NoteFields
{
    /// <summary>String, required.</summary>
    public const string Text = "text";
    /// <summary>String: who wrote it.</summary>
    public const string Author = "author";
    /// <summary>Timestamp.</summary>
    public const string CreatedAt = "createdAt";
}
