using System.Globalization;
using System.Text.Json;

namespace Crdt.Load;

/// <summary>What one load run measured.</summary>
internal sealed record LoadReport(
    int Devices,
    int EditsPerDevice,
    int Subscribers,
    int BatchSize,
    long OpsPushed,
    long OpsStored,
    double OfflineEditMs,
    double PushMs,
    double OpsStoredPerSec,
    double SyncMs,
    double PushToSubscriberP50Ms,
    double PushToSubscriberP99Ms,
    double PushToSubscriberMaxMs,
    long Deliveries,
    double RelayCpuSeconds,
    double RelayCpuMicrosPerOp,
    double HarnessCpuSeconds,
    long RelayPeakRssBytes,
    double DeviceWireBytesPerOp,
    double SubscriberWireBytesPerOp,
    int Nproc,
    string Cpu,
    string LoadAverage)
{
    /// <summary>p99 from the relay's acknowledgement of a push reaching the device (the op was
    /// committed before it) to the op's delivery at each subscriber, during the burst.</summary>
    public double CommitToSubscriberP99Ms { get; init; }

    /// <summary>p99 over the burst's deliveries of the ops acknowledged to devices after the delivered op's
    /// acknowledgement and before its arrival: the lag in ops (÷ ops stored per second ≈ the lag in seconds).</summary>
    public double CommitToSubscriberLagOpsP99 { get; init; }

    /// <summary>The steady load after the burst: ops/s pushed (half the burst's capacity asked).</summary>
    public double SteadyOpsPerSec { get; init; }

    /// <summary>p99 push start -> delivery at each subscriber under the steady load.</summary>
    public double SteadyPushToSubscriberP99Ms { get; init; }

    public long SteadyDeliveries { get; init; }

    /// <summary>p99 push start -> the push's acknowledgement at its device under the steady load: the part of
    /// <see cref="SteadyPushToSubscriberP99Ms"/> spent before the ops were committed (admission, storing, applying).</summary>
    public double SteadyPushToAckP99Ms { get; init; }

    /// <summary>Whether the live subscribers ran in a process of their own (the default) or on the harness's
    /// thread pool beside the devices (<c>--subscribers-in-process</c>).</summary>
    public bool SubscribersInOwnProcess { get; init; } = true;

    /// <summary>CPU seconds of the subscribers' own process during the sync (counted in <see cref="HarnessCpuSeconds"/> too).</summary>
    public double SubscriberProcessCpuSeconds { get; init; }

    /// <summary>What the relays stored into, e.g. "SQLite, durable commits".</summary>
    public string Storage { get; init; } = "SQLite, durable commits";

    /// <summary>Relay processes (CPU is their sum, peak RSS the largest).</summary>
    public int Relays { get; init; } = 1;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void Print(TextWriter output)
    {
        static string N(double v) => v.ToString(v >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture);
        output.WriteLine($"load: {Devices} devices x {EditsPerDevice} offline edits, {Subscribers} live subscribers, pushes of {BatchSize} ops");
        output.WriteLine($"machine: {Nproc} cores, {Cpu}; {(Relays == 1 ? "relay in its own process" : $"{Relays} relay processes, devices and subscribers on different ones")} ({Storage}) on 127.0.0.1; load average at start {LoadAverage}");
        output.WriteLine($"  offline edits          {N(OfflineEditMs)} ms for {N(OpsPushed)} ops (not part of the sync figures)");
        output.WriteLine($"  ops stored             {N(OpsStored)} in {N(PushMs)} ms = {N(OpsStoredPerSec)} ops/s   (target >= 50,000: {(OpsStoredPerSec >= 50_000 ? "met" : "MISSED")})");
        output.WriteLine($"  sync (push + pull)     {N(SyncMs)} ms for all devices at once");
        output.WriteLine($"  push -> subscriber     p50 {N(PushToSubscriberP50Ms)} ms, p99 {N(PushToSubscriberP99Ms)} ms, max {N(PushToSubscriberMaxMs)} ms over {N(Deliveries)} deliveries   (p99 target <= 250: {(PushToSubscriberP99Ms <= 250 ? "met" : "MISSED")})");
        output.WriteLine($"  commit -> subscriber   p99 {N(CommitToSubscriberP99Ms)} ms during the burst (from the push's acknowledgement)   (target <= 100: {(CommitToSubscriberP99Ms <= 100 ? "met" : "MISSED")})");
        output.WriteLine($"  commit -> subscriber   p99 {N(CommitToSubscriberLagOpsP99)} ops acknowledged meanwhile (the lag in ops, comparable on a busy machine; 100 ms at the rate above: {N(OpsStoredPerSec / 10)})");
        output.WriteLine($"  steady load            {N(SteadyOpsPerSec)} ops/s (half the burst's capacity): push -> subscriber p99 {N(SteadyPushToSubscriberP99Ms)} ms over {N(SteadyDeliveries)} deliveries   (target <= 250: {(SteadyPushToSubscriberP99Ms <= 250 ? "met" : "MISSED")}); push -> acknowledgement p99 {N(SteadyPushToAckP99Ms)} ms");
        output.WriteLine($"  relay CPU              {RelayCpuSeconds.ToString("N2", CultureInfo.InvariantCulture)} s during the sync ({N(RelayCpuMicrosPerOp)} µs per op stored{(Relays > 1 ? ", all relays" : "")}); peak RSS {N(RelayPeakRssBytes / 1048576.0)} MiB");
        output.WriteLine($"  harness CPU            {HarnessCpuSeconds.ToString("N2", CultureInfo.InvariantCulture)} s during the sync (devices and subscribers, the same cores; " +
            (SubscribersInOwnProcess ? $"subscribers in their own process: {SubscriberProcessCpuSeconds.ToString("N2", CultureInfo.InvariantCulture)} s of it)" : "subscribers on the devices' thread pool)"));
        output.WriteLine($"  bytes on the wire      {N(DeviceWireBytesPerOp)} B/op device<->relay (push + pull), {N(SubscriberWireBytesPerOp)} B/op per subscriber");
    }
}
