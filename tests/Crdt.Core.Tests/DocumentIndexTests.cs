using Crdt.Core;
using Crdt.Core.Merge;

namespace Crdt.Core.Tests;

/// <summary>
/// Guards the document set's open-addressing index of states (the edit and apply paths' lookup): every state
/// added stays findable through the table's growth and probe collisions, and an absent key is a miss.
/// </summary>
public sealed class DocumentIndexTests
{
    private static readonly CollectionSchema Memo = CollectionSchema.Define("Memo").Lww("text", FieldValueKind.String).Build();

    [Fact]
    public void Every_added_state_is_found_after_growth_and_absent_keys_are_not()
    {
        var index = new DocumentIndex();
        var states = Enumerable.Range(0, 2_000).Select(i => new DocumentState(new DocumentKey("WorkOrder", $"wo-{i}"), null)).ToList();
        foreach (var state in states)
        {
            index.Add(state);
        }

        foreach (var state in states)
        {
            // A key equal to the state's but made anew (other string instances), as a caller's key is.
            var key = new DocumentKey(new string(state.Key.Collection.AsSpan()), new string(state.Key.Id.AsSpan()));
            Assert.Same(state, index.Find(key));
        }
        Assert.Null(index.Find(new DocumentKey("WorkOrder", "wo-2000")));
        Assert.Null(index.Find(new DocumentKey("Customer", "wo-1")));
        Assert.Null(index.Find(default));
    }

    [Fact]
    public void A_document_set_finds_every_document_it_holds_for_edits()
    {
        var documents = new DocumentSet(SchemaRegistry.CreateDefault().Register(Memo));
        var editor = new LocalEditor(new ReplicaId("device-1"), documents);
        var keys = Enumerable.Range(0, 300).Select(i => new DocumentKey("Memo", $"m-{i}")).ToList();
        foreach (var key in keys)
        {
            editor.Create(key, "ann", 1_000, e => e.Set("text", FieldValue.String($"text of {key.Id}")));
        }

        foreach (var key in keys)
        {
            Assert.Same(documents.StateOf(key), documents.StateOf(new DocumentKey("Memo", key.Id)));
            editor.Edit(key, "ann", 2_000, e => e.Set("text", FieldValue.String($"edited {key.Id}")));
            Assert.Equal($"edited {key.Id}", documents.View(key)["text"]!.AsString());
        }
        Assert.Equal(keys.Count, documents.Count);
    }
}
