namespace Crdt.Core;

/// <summary>How two version vectors relate causally.</summary>
public enum VersionOrdering
{
    /// <summary>Both cover exactly the same sequences.</summary>
    Same = 0,
    /// <summary>This one is strictly behind the other (the other has seen everything this one has, and more).</summary>
    Before = 1,
    /// <summary>This one is strictly ahead of the other.</summary>
    After = 2,
    /// <summary>Each has seen something the other has not.</summary>
    Concurrent = 3,
}
