using BenchmarkDotNet.Attributes;
using Crdt.Core;

namespace Crdt.Bench.Micro;

/// <summary>Hybrid logical clock: a local tick and merging a remote stamp.</summary>
[MemoryDiagnoser]
public class ClockBenchmarks
{
    private readonly HlcClock _clock = new(new ReplicaId("bench"));
    private readonly Hlc _remote = new(1_767_000_000_000, 3, new ReplicaId("peer"));
    private long _wall = 1_767_000_000_000;

    [Benchmark]
    public Hlc Tick() => _clock.Now(_wall++);

    [Benchmark]
    public Hlc Tick_same_millisecond() => _clock.Now(_wall);

    [Benchmark]
    public Hlc Receive() => _clock.Receive(_remote, _wall);
}
