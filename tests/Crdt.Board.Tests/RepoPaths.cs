namespace Crdt.Board.Tests;

/// <summary>Where the built relay and FieldApp live (the solution build, or this project's references, put them there).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string RelayDll => Built("Crdt.Relay", "Crdt.Relay.dll");

    public static string FieldAppDll => Built(Path.Combine("samples", "FieldApp"), "FieldApp.dll");

    /// <summary>The test command's output folder (screenshots land here).</summary>
    public static string TestOut => Path.Combine(Root, ".test-out");

    private static string Built(string project, string dll)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        var path = Path.Combine(Root, project, "bin", configuration, "net10.0", dll);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: build {project} ({configuration}) first");
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrdtFieldStore.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (CrdtFieldStore.sln) above " + AppContext.BaseDirectory);
    }
}
