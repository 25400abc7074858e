using BenchmarkDotNet.Attributes;
using Crdt.Core;
using Crdt.Core.Flags;
using Crdt.Core.Views;

namespace Crdt.Bench.Micro;

/// <summary>
/// Deriving the flags of one work order made of 1,000 ops from 3 replicas that sync now and then:
/// concurrent description and title edits, status changes including completion, time entries and
/// parts, a delete. Also the full read model (flags + view) after a change.
/// </summary>
[MemoryDiagnoser]
public class FlagDerivationBenchmarks
{
    private DocumentSet _documents = null!;
    private DocumentKey _key;
    private int _flagCount;

    [GlobalSetup]
    public void Setup()
    {
        var schemas = SchemaRegistry.CreateDefault();
        // Dispatcher editors: the catch below reopens completed orders, a dispatcher's step (issue 17).
        var editors = Enumerable.Range(0, 3).Select(i => new LocalEditor(new ReplicaId("r" + i), new DocumentSet(schemas)) { Authority = StatusAuthority.Dispatch }).ToArray();
        var made = editors.Select(_ => new List<Op>()).ToArray();
        _key = new DocumentKey(WorkOrderFields.Collection, "wo-1");
        long wall = 1_767_000_000_000;
        made[0].Add(editors[0].Create(_key, "r0", wall, m => m.Set(WorkOrderFields.Status, "open").Set(WorkOrderFields.Title, "t")));
        var random = new Random(7);
        var total = 1;
        while (total < 1_000)
        {
            var r = random.Next(3);
            var editor = editors[r];
            wall += 1_000;
            if (random.Next(10) == 0)
            {
                // Sync: receive everything the others made.
                for (var o = 0; o < 3; o++)
                {
                    made[o].ForEach(op => editor.ApplyRemote(op, wall));
                }
                continue;
            }
            if (!editor.Documents.Exists(_key))
            {
                continue;
            }
            try
            {
                var pick = random.Next(10);
                var op = editor.Edit(_key, "tech" + r, wall, m =>
                {
                    _ = pick switch
                    {
                        < 3 => m.Set(WorkOrderFields.Description, "text " + random.Next(1000)),
                        < 4 => m.Set(WorkOrderFields.Title, "title " + random.Next(1000)),
                        < 5 => m.Set(WorkOrderFields.Status, random.Next(4) == 0 ? WorkOrderStatus.Completed : WorkOrderStatus.InProgress),
                        < 8 => m.Add(WorkOrderFields.TimeEntries, $"te-{r}-{total}", (TimeEntryFields.Hours, 1.25m)),
                        _ => m.Add(WorkOrderFields.PartsUsed, $"p-{r}-{total}", (PartUsedFields.Qty, 2m)),
                    };
                });
                made[r].Add(op);
                total++;
            }
            catch (ValidationException)
            {
                // Work on an order this replica sees completed: reopen it.
                made[r].Add(editor.Edit(_key, "tech" + r, wall, m => m.Set(WorkOrderFields.Status, WorkOrderStatus.InProgress)));
                total++;
            }
        }
        _documents = new DocumentSet(schemas);
        foreach (var ops in made)
        {
            _documents.ApplyAll(ops);
        }
        _flagCount = _documents.Flags(_key).Count;
        Console.WriteLine($"// document with {made.Sum(m => m.Count)} ops has {_flagCount} flags: " +
                          string.Join(", ", _documents.Flags(_key).GroupBy(f => f.Kind).Select(g => $"{g.Count()} {g.Key}")));
    }

    [Benchmark]
    public int Derive_flags() => FlagDeriver.Derive(_documents.StateOf(_key)!).Count;

    [Benchmark]
    public DocumentView Flags_and_view() => ViewBuilder.Build(_documents.StateOf(_key)!, FlagDeriver.Derive(_documents.StateOf(_key)!));
}
