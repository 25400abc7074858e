using Microsoft.Data.Sqlite;

namespace Crdt.Relay.Tests;

/// <summary>A fresh folder under the system temp directory, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("crdt-relay-test-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a pooled connection of another test: the OS temp cleaner gets it.
        }
    }
}
