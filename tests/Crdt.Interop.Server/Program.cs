using Crdt.Interop.Server;
using Microsoft.Extensions.Hosting;

// Usage: Crdt.Interop.Server --port PORT   (127.0.0.1, h2c). Prints "listening on http://..." when ready.
var port = 0;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length && int.TryParse(args[i + 1], out var parsed))
    {
        port = parsed;
    }
    else if (args[i].StartsWith("--port=", StringComparison.Ordinal) && int.TryParse(args[i]["--port=".Length..], out parsed))
    {
        port = parsed;
    }
}

var app = InteropServerHost.Build(port);
await app.StartAsync();
Console.WriteLine($"listening on {InteropServerHost.BoundAddress(app)}");
await app.WaitForShutdownAsync();
