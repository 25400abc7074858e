namespace Crdt.Relay.Storage.Postgres;

public sealed partial class PostgresRelayStore
{
    // How long a LISTEN connection waits before checking it is still alive; a server that vanished
    // without closing the socket is noticed within this, and the caller's sweep covers the gap.
    private static readonly TimeSpan ListenCheckEvery = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromMilliseconds(500);

    public async Task ListenForAppendsAsync(Action<string?> onAppended, CancellationToken cancellationToken)
    {
        var prefix = _instance + " ";
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    // "<instance> <tenant>": this process's own appends are applied where they were made.
                    if (e.Payload.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return;
                    }

                    var space = e.Payload.IndexOf(' ', StringComparison.Ordinal);
                    onAppended(space < 0 ? null : e.Payload[(space + 1)..]);
                };
                await using (var listen = Command(connection, $"LISTEN {AppendChannel};"))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                // Anything appended while we were not listening was announced to nobody.
                onAppended(null);
                while (true)
                {
                    if (!await connection.WaitAsync(ListenCheckEvery, cancellationToken).ConfigureAwait(false))
                    {
                        await using var ping = Command(connection, "SELECT 1;");
                        await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The database went away: try again shortly; the sweep keeps state moving meanwhile.
                try
                {
                    await Task.Delay(ReconnectDelay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
