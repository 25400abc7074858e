using Crdt.Core;

namespace Crdt.Core.Tests.Convergence;

/// <summary>
/// Runs one generated compaction scenario. 3–5 devices make random ops of every kind (as
/// <see cref="ScenarioRunner"/> does), receive each other's ops in each origin's order (as sync delivers
/// them: relay log order), with duplicates, acknowledge what they hold at random moments, and compact at
/// random causally stable horizons, restart from their own (compacted) snapshots, and merge each other's
/// snapshots and deltas. Every device has a shadow: a set that receives exactly the same ops, snapshots
/// and deltas from uncompacted shadows, and never compacts. The property is that each device always shows
/// exactly what its shadow shows.
/// </summary>
internal sealed class CompactionScenario
{
    private readonly ChoiceStream _choices;
    private readonly DocumentKey[] _keys;
    private readonly List<Member> _members = [];
    private readonly List<string> _elementIds = [];
    private long _wall = 1_700_000_000_000;

    public CompactionScenario(int deviceCount, int schemaBits, int[] choices)
    {
        _choices = new ChoiceStream(choices);
        Schemas = RandomSchemas.Create(schemaBits);
        _keys = [new(RandomSchemas.Collection, "j1"), new(RandomSchemas.Collection, "j2"), new(WorkOrderFields.Collection, "w1")];
        for (var i = 0; i < deviceCount; i++)
        {
            _members.Add(new Member(new ReplicaId($"d{i}"), Schemas, deviceCount));
        }
    }

    public SchemaRegistry Schemas { get; }
    public Dictionary<string, int> Counts { get; } = [];

    /// <summary>Every op made, by device.</summary>
    public IEnumerable<Op> AllOps => _members.SelectMany(m => m.Made);

    public IReadOnlyList<(string Name, DocumentSet Documents, DocumentSet Shadow)> Devices =>
        _members.Select(m => (m.Replica.Value, m.Documents, m.Shadow)).ToList();

    /// <summary>Plays the generated steps, checking every device against its shadow after each compaction.</summary>
    public void Play()
    {
        while (!_choices.Exhausted)
        {
            var d = _choices.Next(_members.Count);
            var member = _members[d];
            _wall += _choices.Chance(10) ? -20_000 : 1 + _choices.Next(5_000);
            var step = _choices.Next(100);
            if (step < 42)
            {
                MakeEdit(member);
            }
            else if (step < 72)
            {
                // A pull: some of every other device's ops, in each one's order.
                var count = 1 + _choices.Next(8);
                foreach (var origin in _members)
                {
                    Deliver(member, origin, count);
                }
            }
            else if (step < 76)
            {
                Redeliver(member);
            }
            else if (step < 86)
            {
                member.Acknowledge();
                Count("acknowledge");
            }
            else if (step < 94)
            {
                Compact(member);
            }
            else if (step < 97)
            {
                member.Restart();
                Count("restart from snapshots");
                Check(member, "after a restart from its snapshots");
            }
            else
            {
                MergeFrom(member, _members[_choices.Next(_members.Count)], delta: _choices.Chance(50));
            }
        }
    }

    /// <summary>Heals everything: every device receives every op (then some again), acknowledges, compacts once more.</summary>
    public void Finish()
    {
        foreach (var member in _members)
        {
            foreach (var origin in _members)
            {
                Deliver(member, origin, int.MaxValue);
            }
            Redeliver(member);
            member.Acknowledge();
        }
        foreach (var member in _members)
        {
            Compact(member);
        }
    }

    /// <summary>Throws naming the device and the moment when it does not show exactly what its shadow shows.</summary>
    public static void Check(string name, DocumentSet documents, DocumentSet shadow, string when)
    {
        var expected = ScenarioRunner.Fingerprint(shadow);
        var actual = ScenarioRunner.Fingerprint(documents);
        if (actual != expected)
        {
            throw new Xunit.Sdk.XunitException($"device {name} differs from its uncompacted shadow {when}\n--- expected\n{expected}\n--- actual\n{actual}");
        }
    }

    private void Check(Member member, string when) => Check(member.Replica.Value, member.Documents, member.Shadow, when);

    private void Count(string key) => Counts[key] = Counts.GetValueOrDefault(key) + 1;

    /// <summary>The next <paramref name="count"/> ops of <paramref name="origin"/> the device has not received, in the origin's order.</summary>
    private void Deliver(Member to, Member origin, int count)
    {
        var index = _members.IndexOf(origin);
        if (to == origin)
        {
            return;
        }
        for (var i = 0; i < count && to.Received[index] < origin.Made.Count; i++)
        {
            to.Receive(origin.Made[(int)to.Received[index]], _wall);
            to.Received[index]++;
        }
    }

    /// <summary>Some op the device already holds, again (a re-sent batch): it must change nothing, compacted or not.</summary>
    private void Redeliver(Member to)
    {
        var held = _members.SelectMany((origin, i) => origin.Made.Take((int)to.Received[i])).ToList();
        if (held.Count > 0)
        {
            to.Receive(held[_choices.Next(held.Count)], _wall);
            Count("duplicate delivery");
        }
    }

    private void MergeFrom(Member to, Member from, bool delta)
    {
        if (to == from)
        {
            return;
        }
        foreach (var key in from.Documents.Keys.ToList())
        {
            if (delta)
            {
                to.Documents.MergeSnapshot(from.Documents.EncodeDelta(key, to.Documents.VersionOf(key)));
                to.Shadow.MergeSnapshot(from.Shadow.EncodeDelta(key, to.Shadow.VersionOf(key)));
            }
            else
            {
                to.Documents.MergeSnapshot(from.Documents.EncodeSnapshot(key));
                to.Shadow.MergeSnapshot(from.Shadow.EncodeSnapshot(key));
            }
        }
        // A snapshot holds everything its writer held: each origin's prefix, so the receiver's prefix grows to it.
        for (var i = 0; i < _members.Count; i++)
        {
            to.Received[i] = Math.Max(to.Received[i], from.Received[i]);
        }
        to.Editor.Clock.Receive(from.Editor.Clock.Last, _wall);
        Count(delta ? "merge a peer's delta" : "merge a peer's snapshot");
        Check(to, $"after merging {from.Replica}'s {(delta ? "delta" : "snapshot")}");
    }

    /// <summary>
    /// Compacts the device at a random causally stable horizon: below the meet of every device's last
    /// acknowledgement (all hold those ops), and only up to where every op not under that meet (ops some
    /// device may still receive) had seen all of its document's ops under the horizon.
    /// </summary>
    private void Compact(Member member)
    {
        var stable = new VersionVector();
        var meet = new long[_members.Count];
        for (var i = 0; i < _members.Count; i++)
        {
            meet[i] = _members.Min(m => m.Acknowledged[i]);
            var seq = _choices.Chance(60) ? meet[i] : _choices.Next((int)meet[i] + 1);
            stable.Observe(_members[i].Replica, seq);
        }
        for (var changed = true; changed;)
        {
            changed = false;
            for (var i = 0; i < _members.Count; i++)
            {
                foreach (var op in _members[i].Made.Skip((int)meet[i]))
                {
                    for (var j = 0; j < _members.Count; j++)
                    {
                        if (j == i)
                        {
                            continue;
                        }
                        var seen = op.Context.Get(_members[j].Replica);
                        var unseen = _members[j].Made.Take((int)stable.Get(_members[j].Replica)).Skip((int)seen)
                            .FirstOrDefault(o => o.Document.Equals(op.Document));
                        if (unseen is not null)
                        {
                            stable = Lowered(stable, _members[j].Replica, unseen.Dot.Seq - 1);
                            changed = true;
                        }
                    }
                }
            }
        }
        var summary = member.Documents.Compact(stable);
        Count(summary.RecordsDropped > 0 ? "compaction that dropped records" : "compaction that dropped nothing");
        Counts["records dropped"] = Counts.GetValueOrDefault("records dropped") + summary.RecordsDropped;
        Check(member, $"after compacting at {stable}");
    }

    private static VersionVector Lowered(VersionVector vector, ReplicaId replica, long seq)
    {
        var lowered = new VersionVector();
        foreach (var (r, s) in vector.Entries)
        {
            lowered.Observe(r, r.Equals(replica) ? Math.Min(s, seq) : s);
        }
        return lowered;
    }

    private void MakeEdit(Member member)
    {
        var key = _choices.Pick(_keys);
        var schema = Schemas.Get(key.Collection);
        var author = $"person{_choices.Next(3)}";
        try
        {
            Op op;
            if (!member.Documents.Exists(key))
            {
                op = member.Editor.Create(key, author, _wall, m =>
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
                AddMutation(member.Documents, key, schema, mutations);
                if (_choices.Chance(15))
                {
                    AddMutation(member.Documents, key, schema, mutations);
                }
                if (mutations.Mutations.Count == 0)
                {
                    return;
                }
                op = member.Editor.Edit(key, author, _wall, mutations.Mutations);
            }
            member.Made.Add(op);
            member.Shadow.Apply(op);
            foreach (var mutation in op.Mutations)
            {
                Count(mutation.GetType().Name);
            }
        }
        catch (ValidationException)
        {
            // Refused at write time (closed order, deleted document, a resolution of no flag ...): nothing applied.
            Count("refused edit");
        }
    }

    private void AddMutation(DocumentSet documents, DocumentKey key, CollectionSchema schema, MutationBuilder m)
    {
        var view = documents.View(key);
        var flags = documents.Flags(key);
        var sets = schema.Fields.Values.Where(f => f.Kind == FieldKind.OrSet).ToList();
        var kind = view.IsDeleted && _choices.Chance(70) ? 99 : _choices.Next(100);
        // Every sixth work-order edit also captures a signature, decided without drawing from the choices so the
        // rest of the scenario (and the compaction coverage bars) stays what it was.
        if (key.Collection == WorkOrderFields.Collection && !view.IsDeleted && ++_workOrderEdits % 6 == 0)
        {
            // A customer signature over what this replica shows: SignedContentChanged must survive compaction too.
            var id = $"e{_elementIds.Count}";
            _elementIds.Add(id);
            lock (SigningKey)
            {
                // An ECDsa instance is not thread-safe, and properties run in parallel.
                m.Add(WorkOrderFields.Signatures, id, CustomerSignatures.Create(key, id, $"customer{_workOrderEdits % 3}",
                    DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), [1, 2, 3], documents.SignedContentOf(key)!, SigningKey, "compaction-scenario"));
            }
        }
        if (kind < 30)
        {
            // Review and status fields most often: their history is what compaction must prune with care.
            var lww = schema.Fields.Values.Where(f => f.Kind == FieldKind.Lww).ToList();
            var review = lww.Where(f => f.ReviewOnConflict || schema.ClosedStateRules.Any(r => r.StatusField == f.Name)).ToList();
            var field = review.Count > 0 && _choices.Chance(60) ? _choices.Pick(review) : _choices.Pick(lww);
            m.Set(field.Name, Value(field, nullable: !field.RequiredOnCreate));
        }
        else if (kind < 50)
        {
            var work = sets.Where(s => schema.ClosedStateRules.Any(r => r.WorkFields.Contains(s.Name))).ToList();
            var set = work.Count > 0 && _choices.Chance(60) ? _choices.Pick(work) : _choices.Pick(sets);
            var values = new Dictionary<string, FieldValue>();
            foreach (var element in set.ElementFields.Values.Where(e => e.RequiredOnAdd || _choices.Chance(50)))
            {
                values[element.Name] = RandomSchemas.RandomValue(_choices, element.ValueKind, allowNull: !element.RequiredOnAdd);
            }
            // Now and then an id used before: a removed element added again must show as it would uncompacted.
            var id = _elementIds.Count > 0 && _choices.Chance(10) ? _choices.Pick(_elementIds) : $"e{_elementIds.Count}";
            if (!_elementIds.Contains(id))
            {
                _elementIds.Add(id);
            }
            m.Add(set.Name, id, values);
        }
        else if (kind < 80 && Live(view, sets) is { } target)
        {
            var (set, element) = target;
            if (kind < 62 && set.ElementFields.Count > 0)
            {
                var field = _choices.Pick(set.ElementFields.Values.ToList());
                m.SetElement(set.Name, element, field.Name, RandomSchemas.RandomValue(_choices, field.ValueKind, allowNull: !field.RequiredOnAdd));
            }
            else
            {
                m.Remove(set.Name, element);
            }
        }
        else if (kind is >= 80 and < 84)
        {
            m.Delete();
        }
        else if (flags.Count > 0)
        {
            var flag = _choices.Pick(flags);
            var valid = flag.Kind == FlagKind.WorkOnClosedOrder ? new[] { Resolution.Accept, Resolution.Discard } : [Resolution.KeepMine, Resolution.KeepTheirs];
            m.Add(new ResolveFlag(flag.Id, _choices.Pick(valid)));
        }
    }

    private int _workOrderEdits;

    private static readonly System.Security.Cryptography.ECDsa SigningKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

    private (FieldSchema Set, string Id)? Live(DocumentView view, List<FieldSchema> sets)
    {
        var live = sets.SelectMany(s => view.Elements(s.Name).Select(e => (s, e.Id))).ToList();
        return live.Count == 0 ? null : _choices.Pick(live);
    }

    private FieldValue Value(FieldSchema field, bool nullable) =>
        field.AllowedValues is { } allowed
            ? FieldValue.String(_choices.Pick(allowed))
            : RandomSchemas.RandomValue(_choices, field.ValueKind, nullable);

    /// <summary>One device: the set it edits and compacts, its never-compacted shadow, what it made, received and acknowledged.</summary>
    private sealed class Member
    {
        private readonly SchemaRegistry _schemas;
        private readonly int _index;

        public Member(ReplicaId replica, SchemaRegistry schemas, int deviceCount)
        {
            Replica = replica;
            _schemas = schemas;
            _index = int.Parse(replica.Value[1..]);
            Documents = new DocumentSet(schemas);
            Editor = new LocalEditor(replica, Documents);
            Shadow = new DocumentSet(schemas);
            Received = new long[deviceCount];
            Acknowledged = new long[deviceCount];
        }

        public ReplicaId Replica { get; }
        public DocumentSet Documents { get; private set; }
        public LocalEditor Editor { get; private set; }
        public DocumentSet Shadow { get; }
        public List<Op> Made { get; } = [];

        /// <summary>Per origin device: how many of its ops this device holds (its own: every op it made).</summary>
        public long[] Received { get; }

        /// <summary>Per origin device: what this device last acknowledged holding.</summary>
        public long[] Acknowledged { get; }

        public void Receive(Op op, long wallMs)
        {
            Editor.ApplyRemote(op, wallMs);
            Shadow.Apply(op);
        }

        public void Acknowledge()
        {
            Received[_index] = Made.Count;
            Array.Copy(Received, Acknowledged, Received.Length);
        }

        /// <summary>Starts over from the snapshots of its own documents (as the replica loads its file), keeping clock and sequence.</summary>
        public void Restart()
        {
            var reloaded = new DocumentSet(_schemas);
            foreach (var key in Documents.Keys)
            {
                reloaded.MergeSnapshot(Documents.EncodeSnapshot(key));
            }
            Editor = new LocalEditor(Replica, reloaded, new HlcClock(Replica, Editor.Clock.Last), Editor.NextSequence);
            Documents = reloaded;
        }
    }
}
