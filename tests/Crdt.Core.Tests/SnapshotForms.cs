using Crdt.Core.Wire;

namespace Crdt.Core.Tests;

/// <summary>Reads parts of a DocumentSnapshot message for tests that check its form.</summary>
internal static class SnapshotForms
{
    /// <summary>The strings of the snapshot's string pool, in order.</summary>
    public static List<string> PoolOf(DocumentSnapshot message)
    {
        var strings = new List<string>(message.StringLengths.Count);
        var bytes = message.StringBytes.Span;
        var at = 0;
        foreach (var length in message.StringLengths)
        {
            strings.Add(System.Text.Encoding.UTF8.GetString(bytes.Slice(at, (int)length)));
            at += (int)length;
        }
        Assert.Equal(bytes.Length, at);
        return strings;
    }
}
