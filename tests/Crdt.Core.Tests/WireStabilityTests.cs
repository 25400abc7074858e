using System.Text;
using Crdt.Core;
using Google.Protobuf.Reflection;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards persisted tags: proto field numbers, enum values and the C# enums stored with them are
/// append-only. A failure here means a change would make old ops or snapshots unreadable.
/// </summary>
public sealed class WireStabilityTests
{
    [Fact]
    public void Proto_field_numbers_and_enum_values_are_pinned()
    {
        var text = new StringBuilder();
        foreach (var message in Wire.OpsReflection.Descriptor.MessageTypes.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            text.Append(message.Name).Append(':');
            foreach (var field in message.Fields.InFieldNumberOrder())
            {
                text.Append(' ').Append(field.Name).Append('=').Append(field.FieldNumber);
            }
            text.Append('\n');
        }
        foreach (var enumType in Wire.OpsReflection.Descriptor.EnumTypes.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            text.Append(enumType.Name).Append(':');
            foreach (var value in enumType.Values)
            {
                text.Append(' ').Append(value.Name).Append('=').Append(value.Number);
            }
            text.Append('\n');
        }
        const string Golden = """
            AddElement: field=1 element_id=2 values=3
            DeleteDocument:
            DocumentKey: collection=1 id=2
            DocumentSnapshot: collection=1 id=2 ops=3 version=4 runs=5 fields=6 elements=7 resolutions=8 replicas=9 names=10 hlc_base_ms=11 stamp_shift=12 compacted_base=13 compacted_max_hlc=14 delta_peer_version=15 write_names=16 write_ops=17 write_stamps=18 write_indexes=19 write_kinds=20 write_integers=22 string_lengths=23 string_bytes=24 element_shapes=25 element_shape_refs=26 element_adds=27 element_stamps=28 element_indexes=29 element_integers=30
            Dot: replica=1 seq=2
            ElementFieldValue: field=1 value=2
            ElementState: field=1 element_id=2 adds=3 removes=4 fields=5 field_ref=6 add_refs=7 remove_refs=8 known_field=9 record_stamp=10 record_string_names=11 record_strings=12 record_decimal_names=13 record_decimals=14 record_integer_names=15 record_integers=16 record_index=17
            FieldValue: null_value=1 string_value=2 integer_value=3 decimal_value=4 bool_value=5 timestamp_ms=6 bytes_value=7 reference=8
            Hlc: wall_ms=1 counter=2 replica=3
            Mutation: set_field=1 add_element=2 set_element_field=3 remove_element=4 delete_document=5 resolve_flag=6
            Op: dot=1 hlc=2 author=3 document=4 context=5 mutations=6
            OpRun: replica=1 seq_deltas=2 context=3 author=4 kind=5 replica_ref=6 context_refs=7 author_ref=8 seq_rice=9 seq_rice_k=10
            RegisterWrite: field=1 dot=2 hlc=3 value=4 index=5 field_ref=6 op_ref=7 stamp=8 string_value=9 decimal_value=10 integer_value=11 known_field=12
            RemoveElement: field=1 element_id=2
            ResolutionRecord: flag_id=1 dot=2 hlc=3 resolution=4 index=5
            ResolveFlag: flag_id=1 resolution=2
            SetElementField: field=1 element_id=2 element_field=3 value=4
            SetField: field=1 value=2
            StateDot: replica=1 seq=2
            VersionEntry: replica=1 seq=2
            VersionVector: entries=1
            OpRunKind: OP_RUN_KIND_UNSPECIFIED=0 OP_RUN_KIND_EDIT=1 OP_RUN_KIND_DELETE=2 OP_RUN_KIND_RESOLVE=3
            Resolution: RESOLUTION_UNSPECIFIED=0 RESOLUTION_KEEP_MINE=1 RESOLUTION_KEEP_THEIRS=2 RESOLUTION_ACCEPT=3 RESOLUTION_DISCARD=4
            WorkOrderStatus: WORK_ORDER_STATUS_UNSPECIFIED=0 WORK_ORDER_STATUS_OPEN=1 WORK_ORDER_STATUS_SCHEDULED=2 WORK_ORDER_STATUS_IN_PROGRESS=3 WORK_ORDER_STATUS_ON_HOLD=4 WORK_ORDER_STATUS_COMPLETED=5 WORK_ORDER_STATUS_CANCELLED=6 WORK_ORDER_STATUS_EN_ROUTE=7 WORK_ORDER_STATUS_CHECKED_IN=8

            """;
        Assert.Equal(Golden.ReplaceLineEndings("\n"), text.ToString());
    }

    [Fact]
    public void Document_api_flag_kinds_and_flag_view_fields_are_pinned()
    {
        var flagKind = Wire.DocumentsReflection.Descriptor.EnumTypes.Single(e => e.Name == "FlagKind");
        Assert.Equal(
            "FLAG_KIND_UNSPECIFIED=0 FLAG_KIND_WORK_ON_CLOSED_ORDER=1 FLAG_KIND_CONCURRENT_EDIT=2 FLAG_KIND_EDIT_ON_DELETED=3 FLAG_KIND_STATUS_CONFLICT=4 FLAG_KIND_SIGNED_CONTENT_CHANGED=5",
            string.Join(' ', flagKind.Values.Select(v => $"{v.Name}={v.Number}")));
        var flagView = Wire.DocumentsReflection.Descriptor.MessageTypes.Single(m => m.Name == "FlagView");
        Assert.Equal(
            "id=1 kind=2 severity=3 document=4 field=5 element_id=6 message=7 winner_value=8 loser_value=9 winner_author=10 loser_author=11 " +
            "ops=12 resolution=13 resolved_by=14 winner_time_ms=15 loser_time_ms=16",
            string.Join(' ', flagView.Fields.InFieldNumberOrder().Select(f => $"{f.Name}={f.FieldNumber}")));
    }

    [Fact]
    public void Every_built_in_status_has_its_wire_number_and_spelling()
    {
        // The op carries the lower-cased enum name without its prefix; every built-in state has one, and nothing else does.
        var wire = Wire.OpsReflection.Descriptor.EnumTypes.Single(e => e.Name == "WorkOrderStatus").Values
            .Where(v => v.Number > 0)
            .Select(v => v.Name["WORK_ORDER_STATUS_".Length..].ToLowerInvariant())
            .ToHashSet();
        Assert.Equal(wire.Order(), WorkOrderStatus.All.Order());
        var schema = SchemaRegistry.CreateDefault().Get(WorkOrderFields.Collection);
        Assert.Equal(WorkOrderStatus.All, schema.Fields[WorkOrderFields.Status].AllowedValues);
        Assert.Equal(WorkOrderStatus.All, schema.WorkflowOf(WorkOrderFields.Status)!.States);
    }

    [Fact]
    public void The_built_in_name_table_snapshots_reference_is_frozen()
    {
        // Snapshots on disk hold these numbers (RegisterWrite/ElementState.known_field): append only.
        Assert.Equal(
            "status priority title description assignee customer asset scheduledStart scheduledEnd address timeEntries partsUsed notes checklist " +
            "attachments signatures hours tech note startedAt part sku qty text author createdAt done name contentType size sha256 data signer " +
            "signedAt image signature publicKey device phone email serialNumber model manufacturer location installedAt unitPrice unit active",
            string.Join(' ', Crdt.Core.Codec.KnownNames.Table));
    }

    [Fact]
    public void Persisted_CSharp_enums_match_the_wire()
    {
        Assert.Equal(
            new[] { "KeepMine=1", "KeepTheirs=2", "Accept=3", "Discard=4" },
            Enum.GetValues<Resolution>().Select(v => $"{v}={(int)v}"));
        Assert.Equal(
            new[] { "Null=1", "String=2", "Integer=3", "Decimal=4", "Bool=5", "Timestamp=6", "Bytes=7", "Reference=8" },
            Enum.GetValues<FieldValueKind>().Select(v => $"{v}={(int)v}"));
        Assert.Equal(new[] { "WorkOnClosedOrder=1", "ConcurrentEdit=2", "EditOnDeleted=3", "StatusConflict=4", "SignedContentChanged=5" }, Enum.GetValues<FlagKind>().Select(v => $"{v}={(int)v}"));
        // Every C# flag kind has the wire value of the same name and number (documents.proto FlagKind).
        foreach (var kind in Enum.GetValues<FlagKind>())
        {
            Assert.Equal((int)kind, (int)Enum.Parse<Wire.FlagKind>(kind.ToString()));
        }
        Assert.Equal(new[] { "Lww=1", "OrSet=2" }, Enum.GetValues<FieldKind>().Select(v => $"{v}={(int)v}"));
        // FieldValueKind numbers are the FieldValue oneof's field numbers.
        foreach (var kind in Enum.GetValues<FieldValueKind>())
        {
            Assert.Equal((int)kind, (int)Enum.Parse<Wire.FieldValue.KindOneofCase>(kind switch
            {
                FieldValueKind.Null => "NullValue",
                FieldValueKind.String => "StringValue",
                FieldValueKind.Integer => "IntegerValue",
                FieldValueKind.Decimal => "DecimalValue",
                FieldValueKind.Bool => "BoolValue",
                FieldValueKind.Timestamp => "TimestampMs",
                FieldValueKind.Bytes => "BytesValue",
                _ => "Reference",
            }));
        }
    }

    [Fact]
    public void A_known_op_still_encodes_to_the_same_bytes()
    {
        var replica = new ReplicaId("r1");
        var op = new Op(new Dot(replica, 5), new Hlc(1_767_000_000_000, 2, replica), "al", new DocumentKey("WorkOrder", "w1"),
            new VersionVector([new(new ReplicaId("r2"), 3)]), [new SetField("status", FieldValue.String("completed"))]);
        Assert.Equal(
            // Computed independently (a hand-rolled protobuf encoder): dot, hlc (no replica), author, document, context, one SetField.
            "0a060a0272311005" + "120908808ca1cbb6331002" + "1a02616c" + "220f0a09576f726b4f7264657212027731" + "2a080a060a0272321003" +
            "32170a150a06737461747573120b1209636f6d706c65746564",
            Convert.ToHexStringLower(OpCodec.Encode(op)));
    }
}
