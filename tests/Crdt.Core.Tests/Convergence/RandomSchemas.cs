using Crdt.Core;

namespace Crdt.Core.Tests.Convergence;

/// <summary>Schemas for the convergence properties: an application collection whose field types, review flags and status workflow vary per case, plus the built-in WorkOrder.</summary>
internal static class RandomSchemas
{
    public const string Collection = "Job";
    public const string State = "state";
    public const string Work = "work";
    public const string Items = "items";
    public const string Amount = "amount";
    public static readonly string[] StateValues = ["new", "busy", "done", "void"];

    private static readonly FieldValueKind[] Kinds =
    [
        FieldValueKind.String, FieldValueKind.Integer, FieldValueKind.Decimal, FieldValueKind.Bool,
        FieldValueKind.Timestamp, FieldValueKind.Bytes, FieldValueKind.Reference,
    ];

    public static SchemaRegistry Create(int bits)
    {
        var builder = CollectionSchema.Define(Collection)
            .Lww(State, FieldValueKind.String, required: true, reviewOnConflict: (bits & 1) != 0, allowedValues: StateValues);
        for (var i = 0; i < 4; i++)
        {
            builder.Lww($"f{i}", Kinds[(bits >> (2 + i * 3)) % Kinds.Length], reviewOnConflict: ((bits >> (1 + i)) & 1) != 0);
        }
        builder
            .OrSet(Work, e => e.Field(Amount, FieldValueKind.Decimal, required: true).Field("who", FieldValueKind.String))
            .OrSet(Items, e => e.Field("text", FieldValueKind.String).Field("ok", FieldValueKind.Bool))
            .ClosedState(State, ["done", "void"], [Work])
            .Total(Amount, Work, Amount);
        if ((bits & 1) == 0)
        {
            // A state that is not review-on-conflict follows a workflow (issue 17), strict in some cases.
            builder.Workflow(State, w =>
            {
                w.State("new").State("busy").State("done", closing: true).State("void", closing: true)
                    .Path("new", "busy", "done").Step(StatusWorkflow.AnyOpenState, "void").Step("done", "busy", dispatchOnly: true);
                if (((bits >> 13) & 1) != 0)
                {
                    w.Strict();
                }
            });
        }
        return SchemaRegistry.CreateDefault().Register(builder.Build());
    }

    public static FieldValue RandomValue(ChoiceStream choices, FieldValueKind kind, bool allowNull)
    {
        if (allowNull && choices.Chance(8))
        {
            return FieldValue.Null;
        }
        return kind switch
        {
            FieldValueKind.String => FieldValue.String(choices.Pick(["alpha", "beta", "gamma", "delta", "ε-unicode"])),
            FieldValueKind.Integer => FieldValue.Integer(choices.Next(4) - 1),
            FieldValueKind.Decimal => FieldValue.Decimal(choices.Pick([0.25m, 1m, 2.5m, 8m])),
            FieldValueKind.Bool => FieldValue.Bool(choices.Chance(50)),
            FieldValueKind.Timestamp => FieldValue.TimestampMs(1_700_000_000_000 + choices.Next(3) * 3_600_000),
            FieldValueKind.Bytes => FieldValue.Bytes(new byte[] { (byte)choices.Next(3), 7 }),
            FieldValueKind.Reference => FieldValue.Reference(new DocumentKey("Customer", "c" + choices.Next(3))),
            _ => FieldValue.Null,
        };
    }
}
