namespace Crdt.Core;

/// <summary>Bytes could not be decoded into a valid op or snapshot (garbage, truncated, or a field out of range). The message says what is wrong.</summary>
public sealed class OpDecodeException : Exception
{
    /// <summary>Creates the error.</summary>
    public OpDecodeException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
