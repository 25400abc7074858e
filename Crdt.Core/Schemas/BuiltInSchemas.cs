namespace Crdt.Core;

/// <summary>The built-in collections of the design brief.</summary>
internal static class BuiltInSchemas
{
    // One time entry is at most 1,000 hours; a part quantity at most a million either way (returns).
    private static readonly ValueLimits HoursLimits = ValueLimits.Default(FieldValueKind.Decimal) with { Min = 0m, Max = 1000m };
    private static readonly ValueLimits QuantityLimits = ValueLimits.Default(FieldValueKind.Decimal) with { Min = -1_000_000m, Max = 1_000_000m };

    public static CollectionSchema WorkOrder { get; } = CollectionSchema.Define(WorkOrderFields.Collection)
        .Lww(WorkOrderFields.Status, FieldValueKind.String, required: true, allowedValues: WorkOrderStatus.All)
        .Lww(WorkOrderFields.Priority, FieldValueKind.String, allowedValues: ["low", "normal", "high", "urgent"])
        .Lww(WorkOrderFields.Title, FieldValueKind.String, required: true, reviewOnConflict: true)
        .Lww(WorkOrderFields.Description, FieldValueKind.String, reviewOnConflict: true)
        .Lww(WorkOrderFields.Assignee, FieldValueKind.String)
        .Lww(WorkOrderFields.Customer, FieldValueKind.Reference)
        .Lww(WorkOrderFields.Asset, FieldValueKind.Reference)
        .Lww(WorkOrderFields.ScheduledStart, FieldValueKind.Timestamp)
        .Lww(WorkOrderFields.ScheduledEnd, FieldValueKind.Timestamp)
        .Lww(WorkOrderFields.Address, FieldValueKind.String, reviewOnConflict: true)
        .OrSet(WorkOrderFields.TimeEntries, e => e
            .Field(TimeEntryFields.Hours, FieldValueKind.Decimal, required: true, limits: HoursLimits)
            .Field(TimeEntryFields.Tech, FieldValueKind.String)
            .Field(TimeEntryFields.Note, FieldValueKind.String)
            .Field(TimeEntryFields.StartedAt, FieldValueKind.Timestamp))
        .OrSet(WorkOrderFields.PartsUsed, e => e
            .Field(PartUsedFields.Part, FieldValueKind.Reference)
            .Field(PartUsedFields.Sku, FieldValueKind.String)
            .Field(PartUsedFields.Qty, FieldValueKind.Decimal, required: true, limits: QuantityLimits)
            .Field(PartUsedFields.Note, FieldValueKind.String))
        .OrSet(WorkOrderFields.Notes, e => e
            .Field(NoteFields.Text, FieldValueKind.String, required: true)
            .Field(NoteFields.Author, FieldValueKind.String)
            .Field(NoteFields.CreatedAt, FieldValueKind.Timestamp))
        .OrSet(WorkOrderFields.Checklist, e => e
            .Field(ChecklistFields.Text, FieldValueKind.String, required: true)
            .Field(ChecklistFields.Done, FieldValueKind.Bool))
        .OrSet(WorkOrderFields.Attachments, e => e
            .Field(AttachmentFields.Name, FieldValueKind.String, required: true)
            .Field(AttachmentFields.ContentType, FieldValueKind.String)
            .Field(AttachmentFields.Size, FieldValueKind.Integer)
            .Field(AttachmentFields.Sha256, FieldValueKind.String)
            .Field(AttachmentFields.Data, FieldValueKind.Bytes))
        .OrSet(WorkOrderFields.Signatures, e => e
            .Field(SignatureFields.Signer, FieldValueKind.String, required: true)
            .Field(SignatureFields.SignedAt, FieldValueKind.Timestamp, required: true)
            .Field(SignatureFields.Image, FieldValueKind.Bytes)
            .Field(SignatureFields.Signature, FieldValueKind.Bytes)
            .Field(SignatureFields.PublicKey, FieldValueKind.Bytes)
            .Field(SignatureFields.Device, FieldValueKind.String)
            .Field(SignatureFields.KeyId, FieldValueKind.String)
            .Field(SignatureFields.ImageSha256, FieldValueKind.String)
            .Field(SignatureFields.Covered, FieldValueKind.String))
        .Workflow(WorkOrderFields.Status, WorkOrderWorkflow)
        .ClosedState(WorkOrderFields.Status, WorkOrderStatus.Closing, [WorkOrderFields.TimeEntries, WorkOrderFields.PartsUsed])
        .Total(WorkOrderFields.TotalHours, WorkOrderFields.TimeEntries, TimeEntryFields.Hours)
        .Total(WorkOrderFields.TotalParts, WorkOrderFields.PartsUsed, PartUsedFields.Qty)
        .Build();

    /// <summary>
    /// open → scheduled → en_route → checked_in → in_progress ⇄ on_hold, in_progress → completed; cancelled
    /// from any open state; a dispatcher reopens (completed → in_progress, cancelled → open). Lenient: a
    /// technician may skip forward (open straight to in_progress, on_hold to completed) but never leaves a closed state.
    /// </summary>
    private static void WorkOrderWorkflow(StatusWorkflowBuilder w) => w
        .State(WorkOrderStatus.Open)
        .State(WorkOrderStatus.Scheduled)
        .State(WorkOrderStatus.EnRoute)
        .State(WorkOrderStatus.CheckedIn)
        .State(WorkOrderStatus.InProgress)
        .State(WorkOrderStatus.OnHold)
        .State(WorkOrderStatus.Completed, closing: true)
        .State(WorkOrderStatus.Cancelled, closing: true)
        .Path(WorkOrderStatus.Open, WorkOrderStatus.Scheduled, WorkOrderStatus.EnRoute, WorkOrderStatus.CheckedIn, WorkOrderStatus.InProgress, WorkOrderStatus.OnHold, WorkOrderStatus.InProgress)
        .Step(WorkOrderStatus.InProgress, WorkOrderStatus.Completed)
        .Step(StatusWorkflow.AnyOpenState, WorkOrderStatus.Cancelled)
        .Step(WorkOrderStatus.Completed, WorkOrderStatus.InProgress, dispatchOnly: true)
        .Step(WorkOrderStatus.Cancelled, WorkOrderStatus.Open, dispatchOnly: true)
        .Lenient();

    public static CollectionSchema Customer { get; } = CollectionSchema.Define(CustomerFields.Collection)
        .Lww(CustomerFields.Name, FieldValueKind.String, required: true, reviewOnConflict: true)
        .Lww(CustomerFields.Phone, FieldValueKind.String)
        .Lww(CustomerFields.Email, FieldValueKind.String)
        .Lww(CustomerFields.Address, FieldValueKind.String, reviewOnConflict: true)
        .Lww(CustomerFields.Notes, FieldValueKind.String)
        .Build();

    public static CollectionSchema Asset { get; } = CollectionSchema.Define(AssetFields.Collection)
        .Lww(AssetFields.Name, FieldValueKind.String, required: true)
        .Lww(AssetFields.SerialNumber, FieldValueKind.String)
        .Lww(AssetFields.Model, FieldValueKind.String)
        .Lww(AssetFields.Manufacturer, FieldValueKind.String)
        .Lww(AssetFields.Customer, FieldValueKind.Reference)
        .Lww(AssetFields.Location, FieldValueKind.String, reviewOnConflict: true)
        .Lww(AssetFields.InstalledAt, FieldValueKind.Timestamp)
        .Build();

    public static CollectionSchema Part { get; } = CollectionSchema.Define(PartFields.Collection)
        .Lww(PartFields.Sku, FieldValueKind.String, required: true)
        .Lww(PartFields.Name, FieldValueKind.String, required: true, reviewOnConflict: true)
        .Lww(PartFields.Description, FieldValueKind.String)
        .Lww(PartFields.UnitPrice, FieldValueKind.Decimal, reviewOnConflict: true)
        .Lww(PartFields.Unit, FieldValueKind.String)
        .Lww(PartFields.Active, FieldValueKind.Bool)
        .Build();
}
