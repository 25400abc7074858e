namespace Crdt.Core;

/// <summary>Element fields of <see cref="WorkOrderFields.PartsUsed"/>.</summary>
public static class PartUsedFields
{
    /// <summary>Reference to a Part.</summary>
    public const string Part = "part";
    /// <summary>String: the part's SKU when it is not in the catalogue.</summary>
    public const string Sku = "sku";
    /// <summary>Decimal, required: quantity used.</summary>
    public const string Qty = "qty";
    /// <summary>String.</summary>
    public const string Note = "note";
}
