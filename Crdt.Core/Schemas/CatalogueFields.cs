namespace Crdt.Core;

/// <summary>Field names of the built-in <c>Customer</c> collection.</summary>
public static class CustomerFields
{
    /// <summary>The collection name.</summary>
    public const string Collection = "Customer";
    /// <summary>String, required, review-on-conflict.</summary>
    public const string Name = "name";
    /// <summary>String.</summary>
    public const string Phone = "phone";
    /// <summary>String.</summary>
    public const string Email = "email";
    /// <summary>String, review-on-conflict.</summary>
    public const string Address = "address";
    /// <summary>String.</summary>
    public const string Notes = "notes";
}

/// <summary>Field names of the built-in <c>Asset</c> collection (equipment at a customer site).</summary>
public static class AssetFields
{
    /// <summary>The collection name.</summary>
    public const string Collection = "Asset";
    /// <summary>String, required.</summary>
    public const string Name = "name";
    /// <summary>String.</summary>
    public const string SerialNumber = "serialNumber";
    /// <summary>String.</summary>
    public const string Model = "model";
    /// <summary>String.</summary>
    public const string Manufacturer = "manufacturer";
    /// <summary>Reference to a Customer.</summary>
    public const string Customer = "customer";
    /// <summary>String, review-on-conflict.</summary>
    public const string Location = "location";
    /// <summary>Timestamp.</summary>
    public const string InstalledAt = "installedAt";
}

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
