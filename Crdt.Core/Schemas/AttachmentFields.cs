namespace Crdt.Core;

/// <summary>Element fields of <see cref="WorkOrderFields.Attachments"/>.</summary>
public static class AttachmentFields
{
    /// <summary>String, required: file name.</summary>
    public const string Name = "name";
    /// <summary>String: MIME type.</summary>
    public const string ContentType = "contentType";
    /// <summary>Integer: size in bytes.</summary>
    public const string Size = "size";
    /// <summary>String: lowercase hex SHA-256 of the content (the blob is stored apart).</summary>
    public const string Sha256 = "sha256";
    /// <summary>Bytes: small inline content (large ones are fetched by hash).</summary>
    public const string Data = "data";
}
