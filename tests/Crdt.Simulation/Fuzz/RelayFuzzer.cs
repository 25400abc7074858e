using Crdt.Relay.Auth;
using Crdt.Relay.Services;
using Crdt.Relay.Storage;
using Crdt.Relay.Sync;
using Crdt.Simulation.Relay;
using Google.Protobuf;
using Wire = Crdt.Core.Wire;

namespace Crdt.Simulation.Fuzz;

/// <summary>
/// Throws structured and mutated Push, Mutate, Pull and Pin requests at an in-process relay engine
/// (on its real SQLite store), as a technician, a dispatcher and an admin. Every answer must be
/// success or a <see cref="RelayRefusal"/> whose status is not UNKNOWN or INTERNAL; bytes that do
/// not parse are the transport's business (counted as undecodable). Every
/// <c>auditEvery</c> requests and at the end the relay's state must equal a replay of its log with
/// no dot stored twice.
/// </summary>
public static class RelayFuzzer
{
    private static readonly CallerIdentity[] Callers =
    [
        InProcessRelay.Caller("ana", DeviceRoleKind.Technician),
        InProcessRelay.Caller("ben", DeviceRoleKind.Technician),
        InProcessRelay.Caller("dispatch", DeviceRoleKind.Dispatcher),
        InProcessRelay.Caller("admin", DeviceRoleKind.Admin),
    ];

    /// <summary>Requests one relay takes before the run moves to a fresh one: the documents grow with
    /// every accepted op, and a long run on one relay would spend its time re-reading them.</summary>
    public const int RequestsPerRelay = 10_000;

    public static async Task<FuzzReport> RunAsync(int seed, int requests, int auditEvery = 2_000)
    {
        var random = new Random(seed);
        var inputs = new FuzzInputs(random);
        var report = new FuzzReport { Seed = seed };
        for (var done = 0; done < requests; done += RequestsPerRelay)
        {
            await RunOnFreshRelayAsync(random, inputs, report, Math.Min(RequestsPerRelay, requests - done), auditEvery);
        }
        return report;
    }

    private static async Task RunOnFreshRelayAsync(Random random, FuzzInputs inputs, FuzzReport report, int requests, int auditEvery)
    {
        var folder = Path.Combine(Simulation.Scratch(), $"crdt-fuzz-{report.Seed}-{Guid.NewGuid():N}");
        var world = new SimWorld(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
        await using (var relay = await InProcessRelay.OpenAsync(folder, new SimClock(world)))
        {
            await SeedDocumentsAsync(relay, inputs, world);
            var stored = new List<Wire.Op>();
            for (var i = 1; i <= requests; i++)
            {
                world.Advance(TimeSpan.FromMilliseconds(random.Next(0, 2_000)));
                var caller = inputs.Pick(Callers);
                var (kind, call) = NextRequest(relay, inputs, caller, world, stored, random);
                report.Requests++;
                report.ByKind[kind] = report.ByKind.GetValueOrDefault(kind) + 1;
                if (call is null)
                {
                    report.Undecodable++;
                    continue;
                }
                try
                {
                    await call();
                    report.Accepted++;
                }
                catch (RelayRefusal refusal)
                {
                    // The status the service edge answers the refusal with, as a device would see it.
                    var code = RefusalStatus.CodeOf(refusal);
                    var status = code.ToString();
                    report.RefusedByStatus[status] = report.RefusedByStatus.GetValueOrDefault(status) + 1;
                    if (code is Grpc.Core.StatusCode.Unknown or Grpc.Core.StatusCode.Internal)
                        report.Found($"{kind}: refused with {status}", $"{inputs.Label} by {caller.Name}: {refusal.Message}");
                }
                catch (Exception e)
                {
                    var frame = new System.Diagnostics.StackTrace(e).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("Crdt.", StringComparison.Ordinal) == true);
                    var where = frame?.GetMethod() is { } method ? $"{method.DeclaringType?.Name}.{method.Name}" : "?";
                    report.Found($"{kind}: {e.GetType().Name} in {where} (would answer UNKNOWN)", $"{inputs.Label} by {caller.Name}: {Short(e.Message)}");
                }
                if (i % auditEvery == 0 || i == requests)
                {
                    report.Audits++;
                    foreach (var problem in await RelayLogAudit.AuditAsync(relay))
                    {
                        if (!report.AuditProblems.Contains(problem)) report.AuditProblems.Add(problem);
                    }
                }
            }
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>The documents valid requests aim at: orders of ana and ben, a customer, a part.</summary>
    private static async Task SeedDocumentsAsync(InProcessRelay relay, FuzzInputs inputs, SimWorld world)
    {
        var now = world.Now.ToUnixTimeMilliseconds();
        var push = new Wire.PushRequest();
        Wire.Op Op(string collection, string id, params Wire.Mutation[] mutations)
        {
            var op = new Wire.Op
            {
                Dot = new Wire.Dot { Replica = "fz-seed", Seq = inputs.NextSeq() },
                Hlc = new Wire.Hlc { WallMs = now, Replica = "fz-seed" },
                Author = "dispatch",
                Document = new Wire.DocumentKey { Collection = collection, Id = id },
                Context = new Wire.VersionVector(),
            };
            op.Mutations.Add(mutations);
            return op;
        }
        push.Ops.Add(Op("Customer", "C1", FuzzInputs.Set("name", FuzzInputs.Str("Customer 1"))));
        push.Ops.Add(Op("Part", "P1", FuzzInputs.Set("sku", FuzzInputs.Str("SKU-1")), FuzzInputs.Set("name", FuzzInputs.Str("Filter"))));
        foreach (var (id, tech) in new[] { ("WO-1", "ana"), ("WO-2", "ben") })
        {
            push.Ops.Add(Op("WorkOrder", id, FuzzInputs.Set("title", FuzzInputs.Str("Visit")), FuzzInputs.Set("status", FuzzInputs.Str("in_progress")),
                FuzzInputs.Set("assignee", FuzzInputs.Str(tech)), FuzzInputs.Set("customer", new Wire.FieldValue { Reference = new Wire.DocumentKey { Collection = "Customer", Id = "C1" } }),
                FuzzInputs.Add("checklist", "c1", ("text", FuzzInputs.Str("check")))));
        }
        await relay.PushAsync(Callers[2], push);
    }

    /// <summary>The next request: its kind and the call to make, or a null call for bytes that do not parse.</summary>
    private static (string Kind, Func<Task>? Call) NextRequest(InProcessRelay relay, FuzzInputs inputs, CallerIdentity caller, SimWorld world,
        List<Wire.Op> stored, Random random)
    {
        var now = world.Now.ToUnixTimeMilliseconds();
        var replica = "fz-" + caller.Name;
        inputs.Label = "nothing broken";
        Wire.DocumentKey Key() => new() { Collection = inputs.Pick(new[] { "WorkOrder", "WorkOrder", "Customer", "Part", "Asset" }), Id = inputs.Pick(new[] { "WO-1", "WO-2", "C1", "P1", "A1", "new-1" }) };
        switch (random.Next(100))
        {
            case < 50:
            {
                var push = new Wire.PushRequest();
                var count = random.Next(1, 4);
                for (var i = 0; i < count; i++) push.Ops.Add(inputs.ValidOp(replica, caller.Name, now, Key()));
                var target = push.Ops[random.Next(count)];
                if (stored.Count > 0 && inputs.Chance(5))
                {
                    // A stored dot again, with other content.
                    var old = inputs.Pick(stored);
                    target.Dot = old.Dot.Clone();
                    target.Hlc.Replica = old.Dot.Replica;
                    inputs.Break(target);
                }
                else if (inputs.Chance(12))
                {
                    try
                    {
                        push.Ops[push.Ops.IndexOf(target)] = Wire.Op.Parser.ParseFrom(inputs.Mangle(target.ToByteArray()));
                    inputs.Label = "an op's bytes mangled";
                    }
                    catch (InvalidProtocolBufferException)
                    {
                        return ("push", null);
                    }
                }
                else if (inputs.Chance(85))
                {
                    inputs.Break(target);
                }
                push = OffTheWire(push, Wire.PushRequest.Parser);
                return ("push", async () =>
                {
                    await relay.PushAsync(caller, push);
                    stored.AddRange(push.Ops.Where(o => o.Dot is not null).Take(2));
                    if (stored.Count > 500) stored.RemoveRange(0, 250);
                });
            }
            case < 75:
            {
                var op = inputs.ValidOp(replica, caller.Name, now, Key());
                if (inputs.Chance(85)) inputs.Break(op);
                var request = new Wire.MutateRequest { Document = op.Document, ExpectedVersion = inputs.Pick(new ulong[] { 0, 0, 0, 1, 5, ulong.MaxValue }) };
                request.Mutations.Add(op.Mutations);
                request = OffTheWire(request, Wire.MutateRequest.Parser);
                return ("mutate", () => relay.MutateAsync(caller, request));
            }
            case < 85:
            {
                var cursor = inputs.Pick(new ulong[] { 0, 0, 1, 7, 100, 1_000_000, long.MaxValue, ulong.MaxValue });
                var max = inputs.Pick(new uint[] { 0, 1, 3, 1000, uint.MaxValue });
                inputs.Label = $"cursor {cursor}, max items {max}";
                return ("pull", () => relay.PullAsync(caller, cursor, max));
            }
            case < 93:
            {
                var key = inputs.Chance(70) ? Key() : new Wire.DocumentKey { Collection = inputs.Pick(new[] { "", "Nope", "Customer" }), Id = inputs.Pick(new[] { "", "C1", new string('p', 3000) }) };
                var request = OffTheWire(new Wire.PinRequest { Document = inputs.Chance(5) ? null : key, Pinned = inputs.Chance(80) }, Wire.PinRequest.Parser);
                inputs.Label = $"pin {request.Document?.Collection}/{request.Document?.Id} ({request.Pinned})";
                return ("pin", () => relay.PinAsync(caller, request));
            }
            default:
            {
                // Bytes off the wire: random, or a valid Push mangled.
                var valid = new Wire.PushRequest { Ops = { inputs.ValidOp(replica, caller.Name, now, Key()) } };
                var bytes = inputs.Chance(50) ? inputs.RandomBytes() : inputs.Mangle(valid.ToByteArray());
                try
                {
                    var push = Wire.PushRequest.Parser.ParseFrom(bytes);
                    inputs.Label = $"{bytes.Length} bytes off the wire";
                    return ("bytes", () => relay.PushAsync(caller, push));
                }
                catch (InvalidProtocolBufferException)
                {
                    return ("bytes", null);
                }
            }
        }
    }

    /// <summary>The request as the relay receives it: encoded and parsed again, as the transport does
    /// (a string the sender could not encode, such as a lone surrogate, arrives as U+FFFD).</summary>
    private static T OffTheWire<T>(T message, MessageParser<T> parser) where T : IMessage<T> => parser.ParseFrom(message.ToByteArray());

    private static string Short(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
