namespace Crdt.Core;

/// <summary>Field names of the built-in <c>Part</c> collection (the parts catalogue).</summary>
public static class PartFields
{
    /// <summary>The collection name.</summary>
    public const string Collection = "Part";
    /// <summary>String, required.</summary>
    public const string Sku = "sku";
    /// <summary>String, required, review-on-conflict.</summary>
    public const string Name = "name";
    /// <summary>String.</summary>
    public const string Description = "description";
    /// <summary>Decimal, review-on-conflict.</summary>
    public const string UnitPrice = "unitPrice";
    /// <summary>String, e.g. "pcs", "m".</summary>
    public const string Unit = "unit";
    /// <summary>Bool: still sold.</summary>
    public const string Active = "active";
}
