using Crdt.Core;
using Grpc.Core;
using Crdt.Relay.Sync;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Services;

/// <summary>documents.proto: the plain document API over the relay's merged state. Reads are
/// questions to the tenant (<see cref="TenantState"/>, which answers under its own lock); the
/// answers are immutable views, turned into wire messages here.</summary>
internal sealed class DocumentsService(RelayEngine engine, SchemaRegistry schemas, CallGuard guard) : Wire.Documents.DocumentsBase
{
    private const int DefaultQueryLimit = 500;
    private const int MaxQueryLimit = 5000;

    public override Task<Wire.DocumentView> Get(Wire.GetDocumentRequest request, ServerCallContext context) =>
        guard.RunAsync(context, async caller =>
        {
            var key = WireViews.Key(request.Document);
            var (tenant, reader) = await engine.ReaderAsync(caller, context.CancellationToken).ConfigureAwait(false);
            // Scope first (inside ReadDocument): a technician learns nothing, not even whether a document exists, outside it.
            var found = tenant.ReadDocument(key, reader) ?? throw RelayRefusal.NotFound($"{key}: no such document");
            return ToWire(found);
        });

    public override Task<Wire.QueryDocumentsResponse> Query(Wire.QueryDocumentsRequest request, ServerCallContext context) =>
        guard.RunAsync(context, async caller =>
        {
            if (!schemas.TryGet(request.Collection, out _))
            {
                throw RelayRefusal.Invalid($"collection '{request.Collection}': unknown collection");
            }

            if (request.ScheduledToMs != 0 && request.ScheduledToMs < request.ScheduledFromMs)
            {
                throw RelayRefusal.Invalid("scheduled_to_ms is before scheduled_from_ms");
            }

            var limit = request.Limit == 0 ? DefaultQueryLimit : (int)Math.Min(request.Limit, MaxQueryLimit);
            var (tenant, reader) = await engine.ReaderAsync(caller, context.CancellationToken).ConfigureAwait(false);
            // One more than a page: whether it exists says whether there is a next page.
            var found = tenant.QueryDocuments(request.Collection, request.PageToken, reader, view => Matches(view, request), limit + 1);
            var response = new Wire.QueryDocumentsResponse();
            response.Documents.AddRange(found.Take(limit).Select(ToWire));
            if (found.Count > limit)
            {
                response.NextPageToken = response.Documents[^1].Document.Id;
            }

            return response;
        });

    private static bool Matches(DocumentView view, Wire.QueryDocumentsRequest request)
    {
        if (view.IsDeleted && !request.IncludeDeleted)
        {
            return false;
        }

        if (request.Assignee.Length > 0 && !IsText(view[WorkOrderFields.Assignee], request.Assignee))
        {
            return false;
        }

        if (request.Status.Length > 0 && !IsText(view[WorkOrderFields.Status], request.Status))
        {
            return false;
        }

        if (request.CustomerId.Length > 0 && view[WorkOrderFields.Customer] is not { Kind: FieldValueKind.Reference } customer
            || request.CustomerId.Length > 0 && view[WorkOrderFields.Customer]!.AsReference().Id != request.CustomerId)
        {
            return false;
        }

        if (request.ScheduledFromMs != 0 || request.ScheduledToMs != 0)
        {
            if (view[WorkOrderFields.ScheduledStart] is not { Kind: FieldValueKind.Timestamp } start)
            {
                return false;
            }

            var ms = start.AsTimestampMs();
            if (request.ScheduledFromMs != 0 && ms < request.ScheduledFromMs)
            {
                return false;
            }

            if (request.ScheduledToMs != 0 && ms >= request.ScheduledToMs)
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsText(FieldValue? value, string expected) =>
        value is { Kind: FieldValueKind.String } && value.AsString() == expected;

    public override Task<Wire.MutateResponse> Mutate(Wire.MutateRequest request, ServerCallContext context) =>
        guard.RunAsync(context, async caller =>
        {
            var key = WireViews.Key(request.Document);
            var (op, _) = await engine.MutateAsync(caller, key, request.Mutations, request.ExpectedVersion, allowResolve: false, context.CancellationToken)
                .ConfigureAwait(false);
            var tenant = await engine.TenantAsync(caller.Tenant, context.CancellationToken).ConfigureAwait(false);
            return new Wire.MutateResponse
            {
                Document = ToWire(tenant.ViewOf(key)),
                Dot = new Wire.Dot { Replica = op.Dot.Replica.Value, Seq = (ulong)op.Dot.Seq },
            };
        });

    public override Task<Wire.ListFlagsResponse> ListFlags(Wire.ListFlagsRequest request, ServerCallContext context) =>
        guard.RunAsync(context, async caller =>
        {
            var only = request.Document is null ? (DocumentKey?)null : WireViews.Key(request.Document);
            var (tenant, reader) = await engine.ReaderAsync(caller, context.CancellationToken).ConfigureAwait(false);
            var response = new Wire.ListFlagsResponse();
            response.Flags.AddRange(tenant.VisibleFlags(only, reader, request.IncludeResolved).Select(WireViews.ToWire));
            return response;
        });

    public override Task<Wire.ResolveFlagResponse> ResolveFlag(Wire.ResolveFlagRequest request, ServerCallContext context) =>
        guard.RunAsync(context, async caller =>
        {
            var key = WireViews.Key(request.Document);
            var (tenant, reader) = await engine.ReaderAsync(caller, context.CancellationToken).ConfigureAwait(false);
            _ = tenant.FindFlag(key, request.FlagId, reader) ?? throw RelayRefusal.NotFound($"{key}: no flag '{request.FlagId}'");
            // Whether the resolution fits the flag's kind is the batch validator's (Core's SchemaCheck) rule, checked on the way in.
            var mutation = new Wire.Mutation { ResolveFlag = new Wire.ResolveFlag { FlagId = request.FlagId, Resolution = request.Resolution } };
            await engine.MutateAsync(caller, key, [mutation], 0, allowResolve: true, context.CancellationToken).ConfigureAwait(false);
            var (resolved, document) = tenant.FlagWithDocument(key, request.FlagId);
            return new Wire.ResolveFlagResponse { Flag = WireViews.ToWire(resolved), Document = ToWire(document) };
        });

    public override Task Watch(Wire.WatchRequest request, IServerStreamWriter<Wire.DocumentChange> responses, ServerCallContext context) =>
        guard.StreamAsync(context, async (caller, cancellationToken) =>
        {
            var keys = request.Documents.Select(WireViews.Key).ToHashSet();
            var (tenant, reader) = await engine.ReaderAsync(caller, cancellationToken).ConfigureAwait(false);
            bool Watched(DocumentKey key) =>
                (keys.Count == 0 || keys.Contains(key)) && (request.Collection.Length == 0 || key.Collection == request.Collection);

            var (node, seen, initial) = tenant.StartWatch(keys, Watched, reader, withViews: request.SendInitial);
            var visible = seen.ToHashSet();
            // Headers now, not with the first change: a client (the dispatcher board over gRPC-Web)
            // learns the watch is live even when nothing is sent yet.
            await context.WriteResponseHeadersAsync([]).ConfigureAwait(false);
            foreach (var document in initial)
            {
                await responses.WriteAsync(new Wire.DocumentChange { Document = ToWire(document) }, cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                var previousHead = node.Head;
                node = await node.NextAsync(cancellationToken).ConfigureAwait(false);
                // A commit covering positions without their ops: another relay compacted them before this
                // one applied them, and they came as documents' bases, so which documents they changed is
                // unknown here. Every watched document is sent as it is now rather than a change missed.
                var changes = node.Head - previousHead > node.Ops.Count
                    ? tenant.WatchEverything(Watched, reader, visible)
                    : tenant.WatchChanges(node, Watched, reader, visible);
                foreach (var change in changes)
                {
                    var wire = change.Document is { } document
                        ? new Wire.DocumentChange { Document = ToWire(document) }
                        : new Wire.DocumentChange { Document = new Wire.DocumentView { Document = WireViews.ToWire(change.Key) }, LeftScope = true };
                    await responses.WriteAsync(wire, cancellationToken).ConfigureAwait(false);
                }
            }
        });

    private static Wire.DocumentView ToWire(VersionedView document) => WireViews.ToWire(document.View, document.Version);
}
