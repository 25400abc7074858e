namespace Crdt.Core;

/// <summary>
/// An edit broke a schema rule (<see cref="SchemaCheck"/>): the field at fault (null when the fault
/// is not one field's), the rule, and the reason in words. The device turns it into a
/// <see cref="ValidationException"/>, the relay into an INVALID_ARGUMENT refusal; both show the
/// same field and reason.
/// </summary>
public sealed record SchemaViolation(string? Field, EditRule Rule, string Message);
