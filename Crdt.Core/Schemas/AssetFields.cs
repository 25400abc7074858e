namespace Crdt.Core;

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
