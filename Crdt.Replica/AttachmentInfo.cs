namespace Crdt.Replica;

/// <summary>Where an attachment's bytes are, as this device knows it.</summary>
public enum AttachmentState
{
    /// <summary>Attached here; the bytes are on this device and queued for the relay ("not uploaded yet").</summary>
    NotUploadedYet,
    /// <summary>The bytes are on this device and on the relay.</summary>
    Available,
    /// <summary>Another device attached it; the bytes are on the relay (or on their way) but not here yet ("not downloaded yet").</summary>
    NotDownloadedYet,
    /// <summary>Attached here, but the relay refused the bytes (size or media type policy); see <see cref="AttachmentInfo.Refused"/>.</summary>
    UploadRefused,
}

/// <summary>One element of a work order's attachments set, with the state of its bytes.</summary>
/// <param name="ElementId">the element's id in the set</param>
/// <param name="Sha256">lowercase hex SHA-256 of the content (its address)</param>
/// <param name="LocalPath">the bytes on this device, or null when not here</param>
/// <param name="Refused">the relay's reason, for <see cref="AttachmentState.UploadRefused"/></param>
public sealed record AttachmentInfo(string ElementId, string Name, string ContentType, long Size, string Sha256, AttachmentState State,
    string? LocalPath, string? Refused = null);

/// <summary>Upload or download progress of one attachment.</summary>
/// <param name="Upload">true for an upload, false for a download</param>
/// <param name="Bytes">bytes the other side holds so far</param>
/// <param name="ResumedFrom">the offset this transfer started from (more than 0 when it resumed)</param>
public sealed record AttachmentProgress(string Sha256, bool Upload, long Bytes, long Size, long ResumedFrom);

/// <summary>What one pass over the upload queue did.</summary>
/// <param name="Uploaded">attachments the relay now holds</param>
/// <param name="Pending">still queued (offline, or the relay unreachable)</param>
/// <param name="Refused">refused for good by the relay (policy)</param>
public sealed record AttachmentUploadSummary(int Uploaded, int Pending, int Refused);

/// <summary>The bytes of an attachment are not available: not uploaded yet by the device that
/// attached it, or this device is offline. Nothing is wrong with the document.</summary>
public sealed class AttachmentNotAvailableException(string message, Exception? inner = null) : Exception(message, inner);
