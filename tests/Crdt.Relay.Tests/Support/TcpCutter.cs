using System.Net;
using System.Net.Sockets;

namespace Crdt.Relay.Tests.Support;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of a server, which a test can cut (every connection
/// reset, new ones refused: the server is gone as far as the client can tell) and restore on the
/// same port. Lets a test take the database away from a relay without stopping the shared cluster.
/// </summary>
public sealed class TcpCutter : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly List<Socket> _open = [];
    private TcpListener? _listener;
    private Task? _accepting;

    public TcpCutter(IPEndPoint target)
    {
        _target = target;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Restore();
    }

    public int Port { get; }

    /// <summary>Starts accepting and forwarding again.</summary>
    public void Restore()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        var listener = _listener;
        _accepting = Task.Run(async () =>
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptSocketAsync();
                }
                catch (Exception)
                {
                    return; // cut
                }
                var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await server.ConnectAsync(_target);
                }
                catch (SocketException)
                {
                    client.Dispose();
                    continue;
                }
                lock (_open)
                {
                    _open.Add(client);
                    _open.Add(server);
                }
                _ = Pump(client, server);
                _ = Pump(server, client);
            }
        });
    }

    /// <summary>Resets every forwarded connection and refuses new ones.</summary>
    public async Task CutAsync()
    {
        _listener?.Stop();
        if (_accepting is not null) await _accepting;
        lock (_open)
        {
            foreach (var socket in _open)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0); // RST, as a vanished server would
                    socket.Close();
                }
                catch (Exception)
                {
                }
            }
            _open.Clear();
        }
    }

    private static async Task Pump(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer);
                if (read == 0) break;
                await to.SendAsync(buffer.AsMemory(0, read));
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // one side was cut or closed
        }
    }

    public async ValueTask DisposeAsync() => await CutAsync();
}
