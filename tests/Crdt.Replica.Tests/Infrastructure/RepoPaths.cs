namespace Crdt.Replica.Tests.Infrastructure;

/// <summary>Where the built executables the tests start as real processes live.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The relay built by the solution build (Release), started with <c>dotnet</c>.</summary>
    public static string RelayDll => Built("Crdt.Relay", "Crdt.Relay.dll");

    /// <summary>The FieldApp sample, also the child process of the crash tests.</summary>
    public static string FieldAppDll => Built(Path.Combine("samples", "FieldApp"), "FieldApp.dll");

    private static string Built(string project, string dll)
    {
        // Prefer the configuration this test assembly was built in, so Debug runs use Debug outputs.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        var path = Path.Combine(Root, project, "bin", configuration, "net10.0", dll);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: build {project} ({configuration}) first, e.g. dotnet build CrdtFieldStore.sln -c {configuration}");
        }
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrdtFieldStore.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (CrdtFieldStore.sln) above " + AppContext.BaseDirectory);
    }
}
