using Crdt.Core.Wire;
using Crdt.Grpc;

namespace Crdt.Relay.Services;

/// <summary>The method descriptors of sync.proto, documents.proto and admin.proto, shared by the
/// relay's handlers and by .NET clients (tests, load harness).</summary>
public static class RelayMethods
{
    public const string SyncService = "crdtfieldstore.v1.Sync";
    public const string DocumentsService = "crdtfieldstore.v1.Documents";
    public const string AdminService = "crdtfieldstore.v1.Admin";

    public static readonly Method<PushRequest, PushResponse> Push =
        new(MethodType.Unary, SyncService, "Push", PushRequest.Parser, PushResponse.Parser);
    public static readonly Method<PullRequest, PullResponse> Pull =
        new(MethodType.ServerStreaming, SyncService, "Pull", PullRequest.Parser, PullResponse.Parser);
    public static readonly Method<SubscribeRequest, PullResponse> Subscribe =
        new(MethodType.ServerStreaming, SyncService, "Subscribe", SubscribeRequest.Parser, PullResponse.Parser);
    public static readonly Method<PinRequest, PinResponse> Pin =
        new(MethodType.Unary, SyncService, "Pin", PinRequest.Parser, PinResponse.Parser);

    public static readonly Method<GetDocumentRequest, DocumentView> Get =
        new(MethodType.Unary, DocumentsService, "Get", GetDocumentRequest.Parser, DocumentView.Parser);
    public static readonly Method<QueryDocumentsRequest, QueryDocumentsResponse> Query =
        new(MethodType.Unary, DocumentsService, "Query", QueryDocumentsRequest.Parser, QueryDocumentsResponse.Parser);
    public static readonly Method<MutateRequest, MutateResponse> Mutate =
        new(MethodType.Unary, DocumentsService, "Mutate", MutateRequest.Parser, MutateResponse.Parser);
    public static readonly Method<WatchRequest, DocumentChange> Watch =
        new(MethodType.ServerStreaming, DocumentsService, "Watch", WatchRequest.Parser, DocumentChange.Parser);
    public static readonly Method<ListFlagsRequest, ListFlagsResponse> ListFlags =
        new(MethodType.Unary, DocumentsService, "ListFlags", ListFlagsRequest.Parser, ListFlagsResponse.Parser);
    public static readonly Method<ResolveFlagRequest, ResolveFlagResponse> ResolveFlag =
        new(MethodType.Unary, DocumentsService, "ResolveFlag", ResolveFlagRequest.Parser, ResolveFlagResponse.Parser);

    public static readonly Method<RegisterDeviceRequest, RegisterDeviceResponse> RegisterDevice =
        new(MethodType.Unary, AdminService, "RegisterDevice", RegisterDeviceRequest.Parser, RegisterDeviceResponse.Parser);
    public static readonly Method<ListDevicesRequest, ListDevicesResponse> ListDevices =
        new(MethodType.Unary, AdminService, "ListDevices", ListDevicesRequest.Parser, ListDevicesResponse.Parser);
    public static readonly Method<RevokeDeviceRequest, RevokeDeviceResponse> RevokeDevice =
        new(MethodType.Unary, AdminService, "RevokeDevice", RevokeDeviceRequest.Parser, RevokeDeviceResponse.Parser);
    public static readonly Method<CreateTenantRequest, CreateTenantResponse> CreateTenant =
        new(MethodType.Unary, AdminService, "CreateTenant", CreateTenantRequest.Parser, CreateTenantResponse.Parser);
    public static readonly Method<ListTenantsRequest, ListTenantsResponse> ListTenants =
        new(MethodType.Unary, AdminService, "ListTenants", ListTenantsRequest.Parser, ListTenantsResponse.Parser);
}
