using Crdt.Bench.Workloads;

namespace Crdt.Bench.Tests;

/// <summary>Guards the canonical JSON form that every digest (ours and the peers') is taken over.</summary>
public sealed class CanonicalJsonTests
{
    [Theory]
    [InlineData(2.0, "2")]
    [InlineData(1.25, "1.25")]
    [InlineData(0.25, "0.25")]
    [InlineData(7.75, "7.75")]
    public void Numbers_take_their_shortest_round_trip_form(double value, string expected) =>
        Assert.Equal(expected, CanonicalJson.FormatNumber(value));

    [Fact]
    public void Keys_sort_ordinally_at_every_level_with_no_whitespace()
    {
        var state = new DocState();
        state.Fields["title"] = "t";
        state.Fields["assetId"] = "a";
        state.Collections[WorkloadSchema.TimeEntries]["A2-9"] = new() { ["tech"] = "x", ["hours"] = 2.0 };
        state.Collections[WorkloadSchema.TimeEntries]["A2-10"] = new() { ["note"] = "n", ["hours"] = 1.25 };
        state.Collections[WorkloadSchema.PartsUsed]["p"] = new() { ["sku"] = "s", ["qty"] = 3L };

        Assert.Equal(
            "{\"fields\":{\"assetId\":\"a\",\"title\":\"t\"},\"noteEntries\":{},\"partsUsed\":{\"p\":{\"qty\":3,\"sku\":\"s\"}}," +
            "\"timeEntries\":{\"A2-10\":{\"hours\":1.25,\"note\":\"n\"},\"A2-9\":{\"hours\":2,\"tech\":\"x\"}}}",
            state.CanonicalJsonText());
    }

    [Fact]
    public void Digest_is_lowercase_sha256_of_the_bracketed_list()
    {
        var empty = new DocState();
        // sha256 of [{"fields":{},"noteEntries":{},"partsUsed":{},"timeEntries":{}}] computed independently by node.
        string expected = NodeScript.Run("""
            import { createHash } from 'node:crypto';
            console.log(createHash('sha256').update('[{"fields":{},"noteEntries":{},"partsUsed":{},"timeEntries":{}}]').digest('hex'));
            """).Trim();
        Assert.Equal(expected, DocState.Digest([empty]));
    }
}
