using Crdt.Core;
using Grpc.Core;
using Crdt.Relay.Auth;
using Crdt.Relay.Sync;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Services;

/// <summary>documents.proto: the plain document API over the relay's merged state.</summary>
internal sealed class DocumentsService(RelayEngine engine) : Wire.Documents.DocumentsBase
{
    private const int DefaultQueryLimit = 500;
    private const int MaxQueryLimit = 5000;

    public override Task<Wire.DocumentView> Get(Wire.GetDocumentRequest request, ServerCallContext context) =>
        CallGuard.RunAsync(engine, context, async caller =>
        {
            var key = WireViews.Key(request.Document);
            var (tenant, scope) = await ScopeAsync(caller, context.CancellationToken).ConfigureAwait(false);
            lock (tenant.Gate)
            {
                // Scope first: a technician learns nothing, not even whether a document exists, outside it.
                RequireRead(scope, caller, key);
                var view = tenant.Documents.Get(key) ?? throw RelayRefusal.NotFound($"{key}: no such document");
                return WireViews.ToWire(view, tenant.VersionOf(key));
            }
        });

    public override Task<Wire.QueryDocumentsResponse> Query(Wire.QueryDocumentsRequest request, ServerCallContext context) =>
        CallGuard.RunAsync(engine, context, async caller =>
        {
            if (!engine.Schemas.TryGet(request.Collection, out _))
                throw RelayRefusal.Invalid($"collection '{request.Collection}': unknown collection");
            if (request.ScheduledToMs != 0 && request.ScheduledToMs < request.ScheduledFromMs)
                throw RelayRefusal.Invalid("scheduled_to_ms is before scheduled_from_ms");
            var limit = request.Limit == 0 ? DefaultQueryLimit : (int)Math.Min(request.Limit, MaxQueryLimit);
            var (tenant, scope) = await ScopeAsync(caller, context.CancellationToken).ConfigureAwait(false);
            var response = new Wire.QueryDocumentsResponse();
            lock (tenant.Gate)
            {
                var keys = tenant.Documents.Keys
                    .Where(k => k.Collection == request.Collection && string.CompareOrdinal(k.Id, request.PageToken) > 0)
                    .OrderBy(k => k.Id, StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    if (!scope.CanRead(caller, key)) continue;
                    var view = tenant.Documents.Get(key)!;
                    if (!Matches(view, request)) continue;
                    if (response.Documents.Count == limit)
                    {
                        response.NextPageToken = response.Documents[^1].Document.Id;
                        break;
                    }
                    response.Documents.Add(WireViews.ToWire(view, tenant.VersionOf(key)));
                }
            }
            return response;
        });

    private static bool Matches(DocumentView view, Wire.QueryDocumentsRequest request)
    {
        if (view.IsDeleted && !request.IncludeDeleted) return false;
        if (request.Assignee.Length > 0 && !IsText(view[WorkOrderFields.Assignee], request.Assignee)) return false;
        if (request.Status.Length > 0 && !IsText(view[WorkOrderFields.Status], request.Status)) return false;
        if (request.CustomerId.Length > 0 && view[WorkOrderFields.Customer] is not { Kind: FieldValueKind.Reference } customer
            || request.CustomerId.Length > 0 && view[WorkOrderFields.Customer]!.AsReference().Id != request.CustomerId) return false;
        if (request.ScheduledFromMs != 0 || request.ScheduledToMs != 0)
        {
            if (view[WorkOrderFields.ScheduledStart] is not { Kind: FieldValueKind.Timestamp } start) return false;
            var ms = start.AsTimestampMs();
            if (request.ScheduledFromMs != 0 && ms < request.ScheduledFromMs) return false;
            if (request.ScheduledToMs != 0 && ms >= request.ScheduledToMs) return false;
        }
        return true;
    }

    private static bool IsText(FieldValue? value, string expected) =>
        value is { Kind: FieldValueKind.String } && value.AsString() == expected;

    public override Task<Wire.MutateResponse> Mutate(Wire.MutateRequest request, ServerCallContext context) =>
        CallGuard.RunAsync(engine, context, async caller =>
        {
            var key = WireViews.Key(request.Document);
            var (op, _) = await engine.MutateAsync(caller, key, request.Mutations, request.ExpectedVersion, allowResolve: false, context.CancellationToken)
                .ConfigureAwait(false);
            var tenant = await engine.TenantAsync(caller.Tenant, context.CancellationToken).ConfigureAwait(false);
            lock (tenant.Gate)
            {
                return new Wire.MutateResponse
                {
                    Document = WireViews.ToWire(tenant.Documents.View(key), tenant.VersionOf(key)),
                    Dot = new Wire.Dot { Replica = op.Dot.Replica.Value, Seq = (ulong)op.Dot.Seq },
                };
            }
        });

    public override Task<Wire.ListFlagsResponse> ListFlags(Wire.ListFlagsRequest request, ServerCallContext context) =>
        CallGuard.RunAsync(engine, context, async caller =>
        {
            var only = request.Document is null ? (DocumentKey?)null : WireViews.Key(request.Document);
            var (tenant, scope) = await ScopeAsync(caller, context.CancellationToken).ConfigureAwait(false);
            var response = new Wire.ListFlagsResponse();
            lock (tenant.Gate)
            {
                if (only is { } key) RequireRead(scope, caller, key);
                var flags = only is { } one ? tenant.Documents.Flags(one) : tenant.Documents.AllFlags();
                foreach (var flag in flags)
                {
                    if (!request.IncludeResolved && flag.State != FlagState.Open) continue;
                    if (!scope.CanRead(caller, flag.Document)) continue;
                    response.Flags.Add(WireViews.ToWire(flag));
                }
            }
            return response;
        });

    public override Task<Wire.ResolveFlagResponse> ResolveFlag(Wire.ResolveFlagRequest request, ServerCallContext context) =>
        CallGuard.RunAsync(engine, context, async caller =>
        {
            var key = WireViews.Key(request.Document);
            var (tenant, scope) = await ScopeAsync(caller, context.CancellationToken).ConfigureAwait(false);
            lock (tenant.Gate)
            {
                RequireRead(scope, caller, key);
                var flag = tenant.Documents.Flags(key).FirstOrDefault(f => f.Id == request.FlagId)
                    ?? throw RelayRefusal.NotFound($"{key}: no flag '{request.FlagId}'");
                var fits = flag.Kind == FlagKind.WorkOnClosedOrder
                    ? request.Resolution is Wire.Resolution.Accept or Wire.Resolution.Discard
                    : request.Resolution is Wire.Resolution.KeepMine or Wire.Resolution.KeepTheirs;
                if (!fits)
                    throw RelayRefusal.Invalid($"{key}, flag '{flag.Id}': {request.Resolution} does not resolve a {flag.Kind} flag " +
                        (flag.Kind == FlagKind.WorkOnClosedOrder ? "(use accept or discard)" : "(use keep-mine or keep-theirs)"));
            }
            var mutation = new Wire.Mutation { ResolveFlag = new Wire.ResolveFlag { FlagId = request.FlagId, Resolution = request.Resolution } };
            await engine.MutateAsync(caller, key, [mutation], 0, allowResolve: true, context.CancellationToken).ConfigureAwait(false);
            lock (tenant.Gate)
            {
                var flag = tenant.Documents.Flags(key).First(f => f.Id == request.FlagId);
                return new Wire.ResolveFlagResponse
                {
                    Flag = WireViews.ToWire(flag),
                    Document = WireViews.ToWire(tenant.Documents.View(key), tenant.VersionOf(key)),
                };
            }
        });

    public override Task Watch(Wire.WatchRequest request, IServerStreamWriter<Wire.DocumentChange> responses, ServerCallContext context) =>
        CallGuard.StreamAsync(engine, context, async (caller, cancellationToken) =>
        {
            var keys = request.Documents.Select(WireViews.Key).ToHashSet();
            var (tenant, scope) = await ScopeAsync(caller, cancellationToken).ConfigureAwait(false);
            bool Watched(DocumentKey key) =>
                (keys.Count == 0 || keys.Contains(key)) && (request.Collection.Length == 0 || key.Collection == request.Collection);

            var visible = new HashSet<DocumentKey>();
            var initial = new List<Wire.DocumentChange>();
            CommitNode node;
            lock (tenant.Gate)
            {
                foreach (var key in keys) RequireRead(scope, caller, key);
                node = tenant.Latest;
                foreach (var key in keys.Count > 0 ? keys : tenant.Documents.Keys.Where(Watched))
                {
                    if (!tenant.Documents.Exists(key) || !scope.CanRead(caller, key)) continue;
                    visible.Add(key);
                    if (request.SendInitial)
                        initial.Add(new Wire.DocumentChange { Document = WireViews.ToWire(tenant.Documents.View(key), tenant.VersionOf(key)) });
                }
            }
            // Headers now, not with the first change: a client (the dispatcher board over gRPC-Web)
            // learns the watch is live even when nothing is sent yet.
            await context.WriteResponseHeadersAsync([]).ConfigureAwait(false);
            foreach (var change in initial) await responses.WriteAsync(change, cancellationToken).ConfigureAwait(false);

            while (true)
            {
                node = await node.NextAsync(cancellationToken).ConfigureAwait(false);
                var changes = new List<Wire.DocumentChange>();
                lock (tenant.Gate)
                {
                    foreach (var key in node.Ops.Select(o => o.Op.Document).Distinct())
                    {
                        if (!Watched(key)) continue;
                        if (scope.CanRead(caller, key))
                        {
                            visible.Add(key);
                            changes.Add(new Wire.DocumentChange { Document = WireViews.ToWire(tenant.Documents.View(key), tenant.VersionOf(key)) });
                        }
                        else if (visible.Remove(key))
                        {
                            changes.Add(new Wire.DocumentChange { Document = new Wire.DocumentView { Document = WireViews.ToWire(key) }, LeftScope = true });
                        }
                    }
                }
                foreach (var change in changes) await responses.WriteAsync(change, cancellationToken).ConfigureAwait(false);
            }
        });

    private async Task<(TenantState Tenant, ScopePolicy Scope)> ScopeAsync(CallerIdentity caller, CancellationToken cancellationToken)
    {
        var tenant = await engine.TenantAsync(caller.Tenant, cancellationToken).ConfigureAwait(false);
        var pins = caller.SeesWholeTenant
            ? []
            : (await engine.Store.ListPinsAsync(caller.Tenant, caller.Name, cancellationToken).ConfigureAwait(false))
                .Select(p => new DocumentKey(p.Document.Collection, p.Document.Id)).ToHashSet();
        return (tenant, new ScopePolicy(tenant, pins));
    }

    private static void RequireRead(ScopePolicy scope, CallerIdentity caller, DocumentKey key)
    {
        if (!scope.CanRead(caller, key)) throw RelayRefusal.Denied($"{key}: outside the scope of {caller}");
    }
}
