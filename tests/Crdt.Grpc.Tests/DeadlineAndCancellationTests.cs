using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Tests;

/// <summary>Guards that deadlines and client cancellation reach the handler's token and end the call with the right status.</summary>
public sealed class DeadlineAndCancellationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_expired_deadline_is_DEADLINE_EXCEEDED_and_cancels_the_handler()
    {
        var handlerCancelled = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary, async (request, context) =>
        {
            using var _ = context.CancellationToken.Register(() => handlerCancelled.TrySetResult(context.Deadline));
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new SimpleResponse();
        }));
        using var channel = server.CreateChannel();

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest(), new CallOptions { Timeout = TimeSpan.FromMilliseconds(300) }));
        var serverDeadline = await handlerCancelled.Task.WaitAsync(Patience);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        // grpc-timeout carried the deadline: the server's is the client's, give or take transit.
        Assert.InRange(serverDeadline, started, started + TimeSpan.FromMilliseconds(300) + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task The_server_enforces_grpc_timeout_even_when_the_client_keeps_waiting()
    {
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary, async (request, context) =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return new SimpleResponse();
        }));

        // A raw request has no client-side timer: only the server's deadline can end it.
        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.Unary.FullName, RawGrpc.Frame([]), headers: [("grpc-timeout", "200m")])
            .WaitAsync(Patience);

        Assert.Equal("4", raw.GrpcStatus);
    }

    [Fact]
    public async Task A_deadline_already_past_fails_without_sending_anything()
    {
        var calls = 0;
        await using var server = await TestServer.StartAsync(app => app.MapGrpcUnary(ProbeMethods.Unary, (request, context) =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult(new SimpleResponse());
        }));
        using var channel = server.CreateChannel();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest(), new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(-1) }));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task A_client_cancel_resets_the_stream_and_cancels_the_handler()
    {
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(app => app.MapGrpcServerStreaming(ProbeMethods.ServerStream, async (request, responses, context) =>
        {
            await responses.WriteAsync(new SimpleResponse { Username = "first" });
            handlerStarted.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            finally
            {
                handlerCancelled.TrySetResult();
            }
        }));
        using var channel = server.CreateChannel();
        using var cancellation = new CancellationTokenSource();

        using var call = channel.ServerStreaming(ProbeMethods.ServerStream, new SimpleRequest(), new CallOptions { CancellationToken = cancellation.Token });
        Assert.True(await call.ResponseStream.MoveNext());
        await handlerStarted.Task.WaitAsync(Patience);
        cancellation.Cancel();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        await handlerCancelled.Task.WaitAsync(Patience);

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    [Fact]
    public async Task Disposing_a_running_call_cancels_the_handler()
    {
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(app => app.MapGrpcDuplexStreaming(ProbeMethods.Duplex, async (requests, responses, context) =>
        {
            handlerStarted.TrySetResult();
            try
            {
                while (await requests.MoveNext(context.CancellationToken))
                {
                }
            }
            finally
            {
                handlerCancelled.TrySetResult();
            }
        }));
        using var channel = server.CreateChannel();

        var call = channel.DuplexStreaming(ProbeMethods.Duplex);
        await call.RequestStream.WriteAsync(new SimpleRequest());
        await handlerStarted.Task.WaitAsync(Patience);
        call.Dispose();

        await handlerCancelled.Task.WaitAsync(Patience);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task A_handler_that_ignores_cancellation_still_lets_other_calls_run()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(app =>
        {
            app.MapGrpcUnary(ProbeMethods.Unary, (request, context) => Task.FromResult(new SimpleResponse { Username = "ok" }));
            app.MapGrpcServerStreaming(ProbeMethods.ServerStream, async (request, responses, context) => await release.Task);
        });
        using var channel = server.CreateChannel();

        var stuck = channel.ServerStreaming(ProbeMethods.ServerStream, new SimpleRequest(), new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var error = await Assert.ThrowsAsync<RpcException>(() => stuck.ResponseStream.MoveNext());
        var other = await channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest());
        release.SetResult();

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal("ok", other.Username);
    }

    [Fact]
    public async Task The_deadline_status_goes_out_on_time_even_if_the_handler_ignores_its_token()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writeAfterDeadline = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(app => app.MapGrpcServerStreaming(ProbeMethods.ServerStream, async (request, responses, context) =>
        {
            await responses.WriteAsync(new SimpleResponse { Username = "before" });
            await release.Task; // deliberately deaf to context.CancellationToken
            try
            {
                await responses.WriteAsync(new SimpleResponse { Username = "after" });
                writeAfterDeadline.TrySetResult(null);
            }
            catch (Exception ex)
            {
                writeAfterDeadline.TrySetResult(ex);
                throw;
            }
        }));

        // A raw request has no client-side timer: only the server's deadline can end it.
        var raw = await RawGrpc.SendAsync(server.Address, ProbeMethods.ServerStream.FullName, RawGrpc.Frame([]), headers: [("grpc-timeout", "300m")])
            .WaitAsync(Patience);
        release.SetResult();
        var refused = await writeAfterDeadline.Task.WaitAsync(Patience);

        Assert.Equal("4", raw.GrpcStatus);
        Assert.IsType<InvalidOperationException>(refused);
    }
}
