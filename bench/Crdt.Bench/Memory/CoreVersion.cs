using System.Reflection;
using Crdt.Core;

namespace Crdt.Bench.Memory;

/// <summary>The version of the Crdt.Core assembly being measured.</summary>
public static class CoreVersion
{
    public static string Text { get; } =
        typeof(DocumentSet).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(DocumentSet).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
