namespace Crdt.Core;

/// <summary>Element fields of <see cref="WorkOrderFields.Checklist"/>.</summary>
public static class ChecklistFields
{
    /// <summary>String, required.</summary>
    public const string Text = "text";
    /// <summary>Bool: ticked.</summary>
    public const string Done = "done";
}
