using Crdt.Core;
using Crdt.Replica;

namespace FieldApp;

/// <summary>One invocation: the replica file, whether to print JSON, and where to write.</summary>
internal sealed class Session(string databasePath, bool json, TextWriter output, StatusAuthority authority = StatusAuthority.Field)
{
    public string DatabasePath { get; } = databasePath;

    public bool Json { get; } = json;

    public TextWriter Output { get; } = output;

    /// <summary>Field (a technician) unless --dispatcher: which status moves this device's edits may make.</summary>
    public StatusAuthority Authority { get; } = authority;

    public Task<DeviceReplica> OpenAsync(CancellationToken cancellationToken) =>
        DeviceReplica.OpenAsync(DatabasePath, new ReplicaOptions { StatusAuthority = Authority }, cancellationToken);

    /// <summary>Prints <paramref name="text"/> unless --json, where <paramref name="json"/> writes the object.</summary>
    public void Print(string text, Action<System.Text.Json.Utf8JsonWriter> json)
    {
        if (Json)
        {
            JsonOut.Write(Output, w =>
            {
                w.WriteStartObject();
                json(w);
                w.WriteEndObject();
            });
        }
        else
        {
            Output.WriteLine(text);
        }
    }
}
