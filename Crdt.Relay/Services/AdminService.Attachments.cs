using Crdt.Core.Wire;
using Crdt.Relay.Attachments;
using Crdt.Relay.Auth;
using Grpc.Core;

namespace Crdt.Relay.Services;

/// <summary>admin.proto's attachment policy calls (the policy itself: <see cref="AttachmentPolicies"/>).</summary>
internal sealed partial class AdminService
{
    public override async Task<AttachmentPolicy> GetAttachmentPolicy(GetAttachmentPolicyRequest request, ServerCallContext context)
    {
        RequireAdmin(context);
        return await AttachmentsService.PolicyAsync(blobs, context.Caller().Tenant, context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task<AttachmentPolicy> SetAttachmentPolicy(SetAttachmentPolicyRequest request, ServerCallContext context)
    {
        RequireAdmin(context);
        var tenant = TenantOf(request.Tenant, context);
        var policy = request.Policy ?? throw Refuse(context, StatusCode.InvalidArgument, "policy: missing");
        if (AttachmentPolicies.Problem(policy) is { } problem)
        {
            throw Refuse(context, StatusCode.InvalidArgument, $"policy.{problem}");
        }

        await blobs.SetPolicyAsync(tenant, policy, context.CancellationToken).ConfigureAwait(false);
        return policy;
    }
}
