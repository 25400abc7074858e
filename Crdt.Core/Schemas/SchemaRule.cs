namespace Crdt.Core;

/// <summary>A rule of a collection, checked at write time and used to derive flags.</summary>
public abstract class SchemaRule
{
    private protected SchemaRule()
    {
    }
}
