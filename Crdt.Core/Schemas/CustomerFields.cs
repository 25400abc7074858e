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
