namespace Crdt.Bench.Workloads;

/// <summary>
/// The op streams of one run, generated before any timer starts, and the plain-replay
/// reference states that W1 and W2 must reproduce.
/// </summary>
public sealed class WorkloadInputs
{
    public WorkloadInputs(WorkloadScale scale)
    {
        Scale = scale;
        W1 = WorkloadGenerator.W1(scale);
        W2 = WorkloadGenerator.W2(scale);
        W3 = WorkloadGenerator.W3(scale);
        var replay = PlainReplay.OfW1(W1);
        W1Reference = replay.States();
        replay.Apply(W2);
        W2Reference = replay.States();
        W1ReferenceDigest = DocState.Digest(W1Reference);
        W2ReferenceDigest = DocState.Digest(W2Reference);
    }

    public WorkloadScale Scale { get; }
    public W1Ops W1 { get; }
    public WorkloadOp[] W2 { get; }
    public W3Ops W3 { get; }
    public IReadOnlyList<DocState> W1Reference { get; }
    public IReadOnlyList<DocState> W2Reference { get; }
    public string W1ReferenceDigest { get; }
    public string W2ReferenceDigest { get; }

    /// <summary>The digests BENCH-WORKLOADS.md publishes for scale 1.</summary>
    public const string PublishedW1Digest = "fb3a7dcfaeaa4fe3fcdda877fba84e8d3270df29a924bfcadacd5489c0514057";
    public const string PublishedW2Digest = "d3dea2d6672cd6e85514beb371ab2b571cd84638b07ffb36249bc4c911c2af72";
}
