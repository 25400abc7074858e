namespace Crdt.Bench.Workloads;

/// <summary>One user edit in a workload: its own op / transaction.</summary>
public abstract record WorkloadOp(int Doc);

/// <summary>Set scalar field <see cref="WorkloadSchema.Fields"/>[Field] of doc to Value.</summary>
public sealed record SetFieldOp(int Doc, int Field, string Value) : WorkloadOp(Doc)
{
    public string FieldName => WorkloadSchema.Fields[Field];
}

/// <summary>Add a record to one of the doc's collections.</summary>
public sealed record AddEntryOp(int Doc, EntryRecord Entry) : WorkloadOp(Doc);
