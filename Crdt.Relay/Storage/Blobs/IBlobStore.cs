using Crdt.Core.Wire;

namespace Crdt.Relay.Storage.Blobs;

/// <summary>
/// Where a relay keeps attachment bytes, by tenant and SHA-256 (content-addressed: the same bytes
/// are stored once per tenant), and each tenant's attachment policy. An attachment is either
/// complete (its hash checked) or partial (the acknowledged prefix of an upload, kept across relay
/// restarts so the upload resumes from there). Bytes are never deleted when a document is: any
/// document, now or later, may refer to the same hash, and a relay keeps no reference counts
/// (no garbage collection of attachment bytes). Callers serialise writers of one attachment.
/// </summary>
internal interface IBlobStore : IAsyncDisposable
{
    /// <summary>How much of the attachment is held.</summary>
    Task<BlobProgress> ProgressAsync(string tenant, string sha256, CancellationToken cancellationToken);

    /// <summary>Continues the partial attachment at <paramref name="offset"/>, which must be the
    /// acknowledged offset (<see cref="BlobOffsetException"/> otherwise).</summary>
    Task<IBlobWriter> OpenWriterAsync(string tenant, string sha256, long offset, CancellationToken cancellationToken);

    /// <summary>The complete attachment's bytes, or null when not complete.</summary>
    Task<Stream?> OpenReadAsync(string tenant, string sha256, CancellationToken cancellationToken);

    /// <summary>The tenant's policy, or null when never set (the default applies).</summary>
    Task<AttachmentPolicy?> GetPolicyAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Replaces the tenant's policy (durably).</summary>
    Task SetPolicyAsync(string tenant, AttachmentPolicy policy, CancellationToken cancellationToken);
}

/// <summary>Complete, or how many bytes of a partial upload are acknowledged (0 when none).</summary>
internal readonly record struct BlobProgress(bool Complete, long Offset);

/// <summary>Appends to one partial attachment. Disposing makes what was written durable: that is
/// the acknowledged offset a later upload resumes from.</summary>
internal interface IBlobWriter : IAsyncDisposable
{
    /// <summary>Bytes held so far.</summary>
    long Offset { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>All <paramref name="size"/> bytes are written: checks the SHA-256 and makes the
    /// attachment complete. A mismatch throws away the partial bytes and returns false.</summary>
    Task<bool> CompleteAsync(long size, CancellationToken cancellationToken);
}

/// <summary>An upload that does not start at the acknowledged offset.</summary>
internal sealed class BlobOffsetException(long acknowledged) : Exception($"the acknowledged offset is {acknowledged}")
{
    public long Acknowledged { get; } = acknowledged;
}
