namespace Crdt.Replica;

/// <summary>
/// Who a bearer token belongs to, as the relay registered it: the person's name (what work
/// orders' assignee holds and what their edits' author must be), role and tenant.
/// </summary>
public sealed record RelayAccount(string Name, string Role, string Tenant);
