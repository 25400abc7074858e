using Crdt.Core;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards the schema's field table (the per-set lookup of a field and its register slot): every declared field
/// is found by a name equal in text but not the same string, registers are numbered in declaration order, and
/// unknown or null names behave as the dictionary did.
/// </summary>
public sealed class FieldTableTests
{
    [Fact]
    public void Every_field_is_found_by_text_and_registers_keep_their_declaration_order()
    {
        var builder = CollectionSchema.Define("Wide");
        var names = Enumerable.Range(0, 40).Select(i => i % 5 == 4 ? $"set{i}" : $"field{i}").ToList();
        foreach (var name in names)
        {
            builder = name.StartsWith("set", StringComparison.Ordinal)
                ? builder.OrSet(name, e => e.Field("x", FieldValueKind.String))
                : builder.Lww(name, FieldValueKind.String);
        }
        var schema = builder.Build();

        var slot = 0;
        foreach (var name in names)
        {
            var copy = new string(name.AsSpan());
            Assert.True(schema.TryGetField(copy, out var field));
            Assert.Equal(name, field.Name);
            Assert.Equal(field.Kind == FieldKind.Lww ? slot++ : -1, schema.RegisterSlotOf(copy));
        }
        Assert.Equal(slot, schema.RegisterSlotCount);
        Assert.False(schema.TryGetField("field40", out _));
        Assert.False(schema.TryGetField(string.Empty, out _));
        Assert.Equal(-1, schema.RegisterSlotOf("Field0"));
        Assert.Throws<ArgumentNullException>(() => schema.TryGetField(null!, out _));
    }
}
