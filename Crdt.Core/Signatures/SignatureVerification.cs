namespace Crdt.Core;

/// <summary>The outcome of checking one captured signature: valid, or the first problem found.</summary>
/// <param name="ElementId">The signature element.</param>
/// <param name="IsValid">True when the signature verifies against the statement re-derived from the element.</param>
/// <param name="Problem">Why it does not verify (names the field), null when valid.</param>
/// <param name="Statement">The statement re-derived from the element, null when the element lacks what it needs.</param>
public sealed record SignatureVerification(string ElementId, bool IsValid, string? Problem, SignatureStatement? Statement)
{
    /// <inheritdoc />
    public override string ToString() => IsValid ? $"{ElementId}: valid ({Statement!.Signer}, key {Statement.KeyId})" : $"{ElementId}: INVALID: {Problem}";
}
