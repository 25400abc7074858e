using BenchmarkDotNet.Attributes;
using Crdt.Core;

namespace Crdt.Bench.Micro;

/// <summary>Version vectors of 5 replicas (a team of devices plus a relay): compare, merge, coverage.</summary>
[MemoryDiagnoser]
public class VersionVectorBenchmarks
{
    private VersionVector _left = null!;
    private VersionVector _right = null!;
    private Dot _dot;

    [GlobalSetup]
    public void Setup()
    {
        var replicas = Enumerable.Range(0, 5).Select(i => new ReplicaId("device-" + i)).ToArray();
        _left = new VersionVector(replicas.Select((r, i) => new KeyValuePair<ReplicaId, long>(r, 1000 + i * 3)));
        _right = new VersionVector(replicas.Select((r, i) => new KeyValuePair<ReplicaId, long>(r, 1000 + (4 - i) * 3)));
        _dot = new Dot(replicas[3], 1005);
    }

    [Benchmark]
    public VersionOrdering Compare() => _left.Compare(_right);

    [Benchmark]
    public VersionVector Clone_and_merge()
    {
        var merged = _left.Clone();
        merged.Merge(_right);
        return merged;
    }

    [Benchmark]
    public bool Covers() => _left.Covers(_dot);
}
