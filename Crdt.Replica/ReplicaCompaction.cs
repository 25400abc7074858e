namespace Crdt.Replica;

/// <summary>
/// What <see cref="DeviceReplica.CompactAsync"/> did (README "Bounded history"): documents given a
/// smaller base, op log rows and file bytes before and after. <paramref name="HorizonKnown"/> is false
/// while the relay has not yet told a stable horizon (nothing can be folded then).
/// </summary>
public sealed record ReplicaCompaction(bool HorizonKnown, int Documents, long OpsBefore, long OpsAfter, long BytesBefore, long BytesAfter);
