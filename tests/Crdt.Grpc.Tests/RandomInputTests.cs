using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Tests;

/// <summary>Guards that no request body, however mangled, crashes the server, hangs the call or goes unanswered.</summary>
public sealed class RandomInputTests
{
    private static readonly HashSet<string> AllowedStatuses = ["0", "8", "12", "13"];

    [Fact]
    public async Task Every_random_body_gets_a_grpc_status_and_the_server_keeps_serving()
    {
        await using var server = await TestServer.StartAsync(app =>
        {
            app.MapGrpcUnary(ProbeMethods.Unary, (request, context) => Task.FromResult(new SimpleResponse { Username = "ok" }));
            app.MapGrpcDuplexStreaming(ProbeMethods.Duplex, async (requests, responses, context) =>
            {
                while (await requests.MoveNext(context.CancellationToken))
                {
                    await responses.WriteAsync(new SimpleResponse());
                }
            });
        }, options => options.MaxReceiveMessageSize = 4096);

        // Bodies built from frame-like pieces, so that many get past the first byte.
        var pieces = Gen.OneOf(
            Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)),
            Gen.Choose(0, 300).Select(n => RawGrpc.Frame(new byte[n])),
            Gen.Choose(0, 8000).Select(n => RawGrpc.Frame(Enumerable.Repeat((byte)0x0A, n).ToArray())));
        var bodies = Gen.ListOf(pieces).Select(list => list.SelectMany(p => p).ToArray());
        var path = Gen.Elements(ProbeMethods.Unary.FullName, ProbeMethods.Duplex.FullName);

        Prop.ForAll(Arb.From(Gen.Zip(path, bodies)), input =>
        {
            var raw = RawGrpc.SendAsync(server.Address, input.Item1, input.Item2).WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            return raw.GrpcStatus is { } status && AllowedStatuses.Contains(status);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));

        using var channel = server.CreateChannel();
        Assert.Equal("ok", (await channel.UnaryAsync(ProbeMethods.Unary, new SimpleRequest())).Username);
    }
}
