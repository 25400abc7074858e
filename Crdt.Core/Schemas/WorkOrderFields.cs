namespace Crdt.Core;

/// <summary>Field names of the built-in <c>WorkOrder</c> collection (use these, not string literals).</summary>
public static class WorkOrderFields
{
    /// <summary>The collection name.</summary>
    public const string Collection = "WorkOrder";

    /// <summary>String, required; one of <see cref="WorkOrderStatus"/>'s values.</summary>
    public const string Status = "status";
    /// <summary>String: low, normal, high, urgent.</summary>
    public const string Priority = "priority";
    /// <summary>String, required, review-on-conflict.</summary>
    public const string Title = "title";
    /// <summary>String, review-on-conflict.</summary>
    public const string Description = "description";
    /// <summary>String: the assigned technician.</summary>
    public const string Assignee = "assignee";
    /// <summary>Reference to a Customer.</summary>
    public const string Customer = "customer";
    /// <summary>Reference to an Asset.</summary>
    public const string Asset = "asset";
    /// <summary>Timestamp.</summary>
    public const string ScheduledStart = "scheduledStart";
    /// <summary>Timestamp.</summary>
    public const string ScheduledEnd = "scheduledEnd";
    /// <summary>String, review-on-conflict.</summary>
    public const string Address = "address";
    /// <summary>OR-set of time entries (<see cref="TimeEntryFields"/>); counts as work.</summary>
    public const string TimeEntries = "timeEntries";
    /// <summary>OR-set of parts used (<see cref="PartUsedFields"/>); counts as work.</summary>
    public const string PartsUsed = "partsUsed";
    /// <summary>OR-set of notes (<see cref="NoteFields"/>).</summary>
    public const string Notes = "notes";
    /// <summary>OR-set of checklist items (<see cref="ChecklistFields"/>).</summary>
    public const string Checklist = "checklist";
    /// <summary>OR-set of attachments (<see cref="AttachmentFields"/>).</summary>
    public const string Attachments = "attachments";
    /// <summary>OR-set of captured signatures (<see cref="SignatureFields"/>).</summary>
    public const string Signatures = "signatures";

    /// <summary>Name of the total of <see cref="TimeEntryFields.Hours"/>.</summary>
    public const string TotalHours = "hours";
    /// <summary>Name of the total of <see cref="PartUsedFields.Qty"/>.</summary>
    public const string TotalParts = "parts";
}

/// <summary>The values of <see cref="WorkOrderFields.Status"/>.</summary>
public static class WorkOrderStatus
{
    /// <summary>New, not yet scheduled.</summary>
    public const string Open = "open";
    /// <summary>Scheduled.</summary>
    public const string Scheduled = "scheduled";
    /// <summary>Work under way.</summary>
    public const string InProgress = "in_progress";
    /// <summary>Paused.</summary>
    public const string OnHold = "on_hold";
    /// <summary>Done: closes the order.</summary>
    public const string Completed = "completed";
    /// <summary>Called off: closes the order.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>Every status value.</summary>
    public static IReadOnlyList<string> All { get; } = [Open, Scheduled, InProgress, OnHold, Completed, Cancelled];

    /// <summary>The values that close an order.</summary>
    public static IReadOnlyList<string> Closing { get; } = [Completed, Cancelled];
}

/// <summary>Element fields of <see cref="WorkOrderFields.TimeEntries"/>.</summary>
public static class TimeEntryFields
{
    /// <summary>Decimal, required: hours worked.</summary>
    public const string Hours = "hours";
    /// <summary>String: the technician.</summary>
    public const string Tech = "tech";
    /// <summary>String.</summary>
    public const string Note = "note";
    /// <summary>Timestamp: when the work started.</summary>
    public const string StartedAt = "startedAt";
}

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

/// <summary>Element fields of <see cref="WorkOrderFields.Checklist"/>.</summary>
public static class ChecklistFields
{
    /// <summary>String, required.</summary>
    public const string Text = "text";
    /// <summary>Bool: ticked.</summary>
    public const string Done = "done";
}

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

/// <summary>Element fields of <see cref="WorkOrderFields.Signatures"/>.</summary>
public static class SignatureFields
{
    /// <summary>String, required: who signed.</summary>
    public const string Signer = "signer";
    /// <summary>Timestamp, required.</summary>
    public const string SignedAt = "signedAt";
    /// <summary>Bytes: the captured signature image or strokes.</summary>
    public const string Image = "image";
    /// <summary>Bytes: the device's ECDSA P-256 signature over the signed content.</summary>
    public const string Signature = "signature";
    /// <summary>Bytes: the device's public key (SubjectPublicKeyInfo).</summary>
    public const string PublicKey = "publicKey";
    /// <summary>String: the signing device's replica id.</summary>
    public const string Device = "device";
}
