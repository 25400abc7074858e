using Crdt.Core.Wire;
using Crdt.Replica.Internal.Transport;

namespace Crdt.Replica.Tests.Sync;

/// <summary>
/// Guards the rules of moving between relay nodes that the real-process tests cannot time exactly:
/// a refusal never moves the device (the nodes share one database and would answer the same), a
/// stream that broke after handing out items is not silently restarted on the next node (the
/// items would arrive twice) but moves the route for the next step, and two calls failing on the
/// same node together move one step, not two.
/// </summary>
public sealed class FailoverRelayConnectionTests
{
    [Fact]
    public async Task A_refusal_is_answered_as_it_is_and_the_device_stays_on_the_node()
    {
        var route = new RelayRoute(["http://a", "http://b"]);
        var nodes = new Dictionary<string, ScriptedNode>
        {
            ["http://a"] = new() { Push = () => throw new RelayRefusedException("refused: InvalidArgument", false, new InvalidOperationException()) },
            ["http://b"] = new(),
        };
        using var connection = new FailoverRelayConnection(route, address => nodes[address]);

        await Assert.ThrowsAsync<RelayRefusedException>(() => connection.PushAsync(new PushRequest(), CancellationToken.None));

        Assert.Equal(0, route.Current);
        Assert.Equal(0, nodes["http://b"].Pushes);
    }

    [Fact]
    public async Task A_stream_that_breaks_after_its_first_item_fails_and_the_next_step_goes_to_the_next_node()
    {
        var route = new RelayRoute(["http://a", "http://b"]);
        var nodes = new Dictionary<string, ScriptedNode>
        {
            ["http://a"] = new() { ItemsBeforeBreak = 1 },
            ["http://b"] = new(),
        };
        using var connection = new FailoverRelayConnection(route, address => nodes[address]);
        var received = new List<PullResponse>();

        await Assert.ThrowsAsync<RelayUnreachableException>(async () =>
        {
            await foreach (var item in connection.PullAsync(0, 0, "dev-1", 0, CancellationToken.None)) received.Add(item);
        });
        await foreach (var item in connection.PullAsync(0, 0, "dev-1", 0, CancellationToken.None)) received.Add(item);

        // One item from a, then b's whole answer (an item and its checkpoint): nothing from a handed out twice.
        Assert.Equal(3, received.Count);
        Assert.Equal(1, route.Current);
        Assert.Equal(1, nodes["http://b"].Streams);
    }

    [Fact]
    public async Task A_stream_failing_before_its_first_item_is_served_by_the_next_node_in_the_same_call()
    {
        var route = new RelayRoute(["http://a", "http://b"]);
        var nodes = new Dictionary<string, ScriptedNode>
        {
            ["http://a"] = new() { ItemsBeforeBreak = 0 },
            ["http://b"] = new(),
        };
        using var connection = new FailoverRelayConnection(route, address => nodes[address]);

        var received = new List<PullResponse>();
        await foreach (var item in connection.SubscribeAsync(0, "", 0, CancellationToken.None)) received.Add(item);

        Assert.Equal(2, received.Count);
        Assert.Equal(1, route.Current);
    }

    [Fact]
    public void Two_failures_on_the_same_node_move_the_route_one_step()
    {
        var moves = new List<string>();
        var route = new RelayRoute(["http://a", "http://b", "http://c"], start: 0, moved: moves.Add);

        route.MoveOnFrom(0);
        route.MoveOnFrom(0);

        Assert.Equal("http://b", route.CurrentAddress);
        Assert.Equal(["http://b"], moves);
    }

    /// <summary>A node whose answers the test scripts: pushes succeed unless told otherwise; a stream
    /// sends an op and a checkpoint, or breaks (unreachable) after <see cref="ItemsBeforeBreak"/> items.</summary>
    private sealed class ScriptedNode : IRelayConnection
    {
        public Action? Push { get; init; }

        public int? ItemsBeforeBreak { get; init; }

        public int Pushes { get; private set; }

        public int Streams { get; private set; }

        public Task<PushResponse> PushAsync(PushRequest request, CancellationToken cancellationToken)
        {
            Pushes++;
            Push?.Invoke();
            return Task.FromResult(new PushResponse());
        }

        public IAsyncEnumerable<PullResponse> PullAsync(ulong cursor, uint maxItems, string replica, ulong madeThrough, CancellationToken cancellationToken) => Stream();

        public IAsyncEnumerable<PullResponse> SubscribeAsync(ulong cursor, string replica, ulong madeThrough, CancellationToken cancellationToken) => Stream();

        private async IAsyncEnumerable<PullResponse> Stream()
        {
            Streams++;
            await Task.Yield();
            var items = new[] { new PullResponse { Op = new Op() }, new PullResponse { Checkpoint = new Checkpoint { Cursor = 1 } } };
            for (var i = 0; i < items.Length; i++)
            {
                if (i == ItemsBeforeBreak)
                {
                    throw new RelayUnreachableException("the connection broke", new IOException());
                }
                yield return items[i];
            }
        }

        public Task<PinResponse> PinAsync(PinRequest request, CancellationToken cancellationToken) => Task.FromResult(new PinResponse());

        public Task<WhoAmIResponse> WhoAmIAsync(CancellationToken cancellationToken) => Task.FromResult(new WhoAmIResponse());

        public Task<RegisterSigningKeyResponse> RegisterSigningKeyAsync(RegisterSigningKeyRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new RegisterSigningKeyResponse());

        public void Dispose()
        {
        }
    }
}
