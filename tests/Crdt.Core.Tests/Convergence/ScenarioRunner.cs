using System.Text;
using Crdt.Core;

namespace Crdt.Core.Tests.Convergence;

/// <summary>
/// Runs one generated scenario: 3–5 replicas make random ops of every kind (sets, adds, element
/// edits, removes, deletes, resolutions, creates) against random schemas' fields, with skewed and
/// backwards-stepping wall clocks; ops are delivered in random order, with duplicates, while
/// replicas are partitioned for a while; finally everything is delivered everywhere.
/// </summary>
internal sealed class ScenarioRunner
{
    private readonly ChoiceStream _choices;
    private readonly SchemaRegistry _schemas;
    private readonly List<Device> _replicas = [];
    private readonly bool[] _partitioned;
    private readonly long[] _wall;
    private readonly List<Op> _pool = [];
    private readonly DocumentKey[] _keys;
    private int _elementCounter;

    /// <param name="keys">The documents edited (default: two of the random collection and one work order).</param>
    public ScenarioRunner(int replicaCount, int schemaBits, int[] choices, DocumentKey[]? keys = null)
    {
        _choices = new ChoiceStream(choices);
        _schemas = RandomSchemas.Create(schemaBits);
        for (var i = 0; i < replicaCount; i++)
        {
            _replicas.Add(new Device($"r{i}", _schemas));
        }
        // r0 is a dispatcher's replica: it may reopen closed documents and resolve a StatusConflict keep-mine.
        _replicas[0].Editor.Authority = StatusAuthority.Dispatch;
        _partitioned = new bool[replicaCount];
        _wall = Enumerable.Range(0, replicaCount).Select(i => 1_700_000_000_000L + i * 1_500L).ToArray();
        _keys = keys ?? [new(RandomSchemas.Collection, "j1"), new(RandomSchemas.Collection, "j2"), new(WorkOrderFields.Collection, "w1")];
        Shuffler = new Random(choices.Aggregate(17, (h, c) => unchecked(h * 31 + c)));
    }

    public IReadOnlyList<Device> Replicas => _replicas;
    public IReadOnlyList<Op> Pool => _pool;
    public SchemaRegistry Schemas => _schemas;
    public Random Shuffler { get; }
    public Dictionary<string, int> Refusals { get; } = [];

    /// <summary>Plays the generated steps; <paramref name="fifo"/> delivers each replica the pool in order (no gaps) instead of randomly.</summary>
    public void Play(bool fifo = false)
    {
        var delivered = new int[_replicas.Count];
        while (!_choices.Exhausted)
        {
            var r = _choices.Next(_replicas.Count);
            var step = _choices.Next(10);
            AdvanceClock(r);
            if (step < 6)
            {
                MakeEdit(r);
            }
            else if (step < 9)
            {
                if (_partitioned[r] || _pool.Count == 0)
                {
                    continue;
                }
                if (fifo)
                {
                    var until = Math.Min(_pool.Count, delivered[r] + 1 + _choices.Next(6));
                    for (; delivered[r] < until; delivered[r]++)
                    {
                        _replicas[r].Editor.ApplyRemote(_pool[delivered[r]], _wall[r]);
                    }
                }
                else
                {
                    var count = 1 + _choices.Next(6);
                    for (var i = 0; i < count; i++)
                    {
                        _replicas[r].Editor.ApplyRemote(_pool[_choices.Next(_pool.Count)], _wall[r]);
                    }
                }
            }
            else
            {
                _partitioned[r] = !_partitioned[r];
            }
        }
    }

    /// <summary>Heals every partition: each replica receives the whole pool, shuffled, with duplicates.</summary>
    public void DeliverEverything()
    {
        foreach (var replica in _replicas)
        {
            foreach (var op in Shuffled(_pool.Concat(_pool.Take(_pool.Count / 3))))
            {
                replica.Editor.ApplyRemote(op, 1_800_000_000_000);
            }
        }
    }

    public List<Op> Shuffled(IEnumerable<Op> ops)
    {
        var list = ops.ToList();
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = Shuffler.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }

    private void AdvanceClock(int r)
    {
        // Mostly forward, sometimes the wall clock steps back (NTP correction, manual change).
        _wall[r] += _choices.Chance(10) ? -20_000 : 1 + _choices.Next(5_000);
    }

    private void MakeEdit(int r)
    {
        var device = _replicas[r];
        var key = _choices.Pick(_keys);
        var schema = _schemas.Get(key.Collection);
        var author = $"person{_choices.Next(3)}";
        try
        {
            Op op;
            if (!device.Documents.Exists(key))
            {
                op = device.Editor.Create(key, author, _wall[r], m =>
                {
                    foreach (var field in schema.Fields.Values.Where(f => f.Kind == FieldKind.Lww && (f.RequiredOnCreate || _choices.Chance(30))))
                    {
                        m.Set(field.Name, Value(field, nullable: !field.RequiredOnCreate));
                    }
                });
            }
            else
            {
                var mutations = new MutationBuilder();
                var count = _choices.Chance(20) ? 2 : 1;
                for (var i = 0; i < count; i++)
                {
                    AddMutation(device, key, schema, mutations);
                }
                if (mutations.Mutations.Count == 0)
                {
                    return;
                }
                op = device.Editor.Edit(key, author, _wall[r], mutations.Mutations);
            }
            _pool.Add(op);
        }
        catch (ValidationException e)
        {
            var reason = System.Text.RegularExpressions.Regex.Replace(e.Reason, "'[^']*'", "_");
            Refusals[reason] = Refusals.GetValueOrDefault(reason) + 1;
            // Refused at write time (closed order, deleted document, wrong resolution ...): nothing applied.
        }
    }

    private void AddMutation(Device device, DocumentKey key, CollectionSchema schema, MutationBuilder m)
    {
        var view = device.Documents.View(key);
        var flags = device.Documents.Flags(key);
        var sets = schema.Fields.Values.Where(f => f.Kind == FieldKind.OrSet).ToList();
        var kind = view.IsDeleted && _choices.Chance(70) ? 99 : _choices.Next(100);
        // The office acknowledges work changed after a customer signed soon after it shows (a SignedContentChanged
        // id moves with the order's labour and parts, so a resolution left for later rarely meets its flag).
        if (flags.FirstOrDefault(f => f.Kind == FlagKind.SignedContentChanged && f.State == FlagState.Open) is { } changed && _choices.Chance(40))
        {
            m.Add(new ResolveFlag(changed.Id, _choices.Pick(new[] { Resolution.KeepMine, Resolution.KeepTheirs })));
            return;
        }
        if (kind < 12 && schema.Workflows.Count > 0)
        {
            // Status races: mostly moves the author's view allows, often to a closing state.
            var workflow = schema.Workflows[0];
            var current = view[workflow.StatusField] is { Kind: FieldValueKind.String } shown ? shown.AsString() : null;
            var next = workflow.NextStates(current, device.Editor.Authority).Where(s => s != current).ToList();
            var closing = next.Where(workflow.IsClosing).ToList();
            var to = next.Count == 0 || _choices.Chance(10) ? _choices.Pick(workflow.States)
                : closing.Count > 0 && _choices.Chance(40) ? _choices.Pick(closing) : _choices.Pick(next);
            m.Set(workflow.StatusField, to);
        }
        else if (kind < 30)
        {
            var field = _choices.Pick(schema.Fields.Values.Where(f => f.Kind == FieldKind.Lww).ToList());
            m.Set(field.Name, Value(field, nullable: !field.RequiredOnCreate));
        }
        else if (kind < 50)
        {
            // On the work order, a customer signature now and then (SignedContentChanged needs one before labour changes).
            var set = key.Collection == WorkOrderFields.Collection && _choices.Chance(50) ? schema.Fields[WorkOrderFields.Signatures]
                : _choices.Chance(60) ? _choices.Pick(sets.Where(s => schema.ClosedStateRules.Any(r => r.WorkFields.Contains(s.Name))).ToList()) : _choices.Pick(sets);
            var values = new Dictionary<string, FieldValue>();
            foreach (var element in set.ElementFields.Values.Where(e => e.RequiredOnAdd || _choices.Chance(50)))
            {
                values[element.Name] = RandomSchemas.RandomValue(_choices, element.ValueKind, allowNull: !element.RequiredOnAdd);
            }
            var elementId = $"e{_elementCounter++}";
            if (key.Collection == WorkOrderFields.Collection && set.Name == WorkOrderFields.Signatures)
            {
                // A real customer signature over what this replica shows now: later (or concurrent) labour and
                // parts edits on any replica make SignedContentChanged appear.
                var signer = $"customer{_choices.Next(3)}";
                // Properties run in parallel and an ECDsa instance is not thread-safe.
                lock (SigningKeys)
                {
                    values = CustomerSignatures.Create(key, elementId, signer, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000),
                        [1, 2, 3], device.Documents.SignedContentOf(key)!, SigningKeys[device.Editor.Replica.Value], device.Editor.Replica.Value);
                }
            }
            m.Add(set.Name, elementId, values);
        }
        else if (kind < 80 && Live(view, sets) is { } target)
        {
            var (set, element) = target;
            if (kind < 65 && set.ElementFields.Count > 0)
            {
                var field = _choices.Pick(set.ElementFields.Values.ToList());
                m.SetElement(set.Name, element, field.Name, RandomSchemas.RandomValue(_choices, field.ValueKind, allowNull: !field.RequiredOnAdd));
            }
            else
            {
                m.Remove(set.Name, element);
            }
        }
        else if (kind is >= 80 and < 83)
        {
            m.Delete();
        }
        else if (flags.Count > 0)
        {
            var errors = flags.Where(f => f.Kind == FlagKind.WorkOnClosedOrder).ToList();
            var flag = errors.Count > 0 && _choices.Chance(90) ? _choices.Pick(errors) : _choices.Pick(flags);
            var valid = flag.Kind == FlagKind.WorkOnClosedOrder ? new[] { Resolution.Accept, Resolution.Discard } : [Resolution.KeepMine, Resolution.KeepTheirs];
            // Mostly valid resolutions; sometimes any value, which the validator refuses.
            m.Add(new ResolveFlag(flag.Id, _choices.Chance(85) ? _choices.Pick(valid) : (Resolution)(1 + _choices.Next(4))));
        }
    }

    /// <summary>One signing key per replica name, made once: ECDSA key generation is the slow part of signing.</summary>
    private static readonly Dictionary<string, System.Security.Cryptography.ECDsa> SigningKeys =
        Enumerable.Range(0, 5).ToDictionary(i => $"r{i}", _ => System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256));

    private (FieldSchema Set, string Id)? Live(DocumentView view, List<FieldSchema> sets)
    {
        var live = sets.SelectMany(s => view.Elements(s.Name).Select(e => (s, e.Id))).ToList();
        return live.Count == 0 ? null : _choices.Pick(live);
    }

    private FieldValue Value(FieldSchema field, bool nullable) =>
        field.AllowedValues is { } allowed
            ? FieldValue.String(_choices.Pick(allowed))
            : RandomSchemas.RandomValue(_choices, field.ValueKind, nullable);

    /// <summary>Everything a person or a peer could observe of a set: views, totals, flags (ids, states, sides) and versions.</summary>
    public static string Fingerprint(DocumentSet documents)
    {
        var text = new StringBuilder();
        foreach (var key in documents.Keys.OrderBy(k => k))
        {
            var view = documents.View(key);
            text.Append(key).Append(' ').Append(documents.VersionOf(key)).Append('\n').Append(view.ToJson(true)).Append('\n');
            foreach (var flag in documents.Flags(key))
            {
                text.Append($"  {flag.Id} {flag.Kind} {flag.State} {flag.Resolution} {flag.ResolvedBy} {flag.Field} {flag.ElementId} " +
                            $"[{string.Join(",", flag.Dots)}] {flag.WinnerDot}={flag.WinnerValue} {flag.LoserDot}={flag.LoserValue} | {flag.Message}\n");
            }
        }
        return text.ToString();
    }
}
