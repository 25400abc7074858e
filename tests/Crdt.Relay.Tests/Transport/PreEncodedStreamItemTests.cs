using Crdt.Core;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Crdt.Relay.Tests.Sync;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Wire = Crdt.Core.Wire;

namespace Crdt.Relay.Tests.Transport;

/// <summary>
/// Guards the op items the relay's streams write as bytes encoded once per op (<see cref="Wire.PullResponse.PreEncodedOp"/>,
/// issue 11): the Pull and Subscribe it serves write them through the marshaller that knows them, those bytes are what
/// encoding <c>PullResponse { op }</c> gives, and a live subscriber receives each op byte for byte as stored. The
/// generated serializer does not know these items (it would write an empty message), so the last test checks that
/// only a served stream gets them.
/// </summary>
public sealed class PreEncodedStreamItemTests
{
    private static readonly Method<Wire.SubscribeRequest, byte[]> SubscribeRaw = new(
        MethodType.ServerStreaming,
        Wire.Sync.Descriptor.FullName,
        "Subscribe",
        Marshallers.Create<Wire.SubscribeRequest>(r => r.ToByteArray(), Wire.SubscribeRequest.Parser.ParseFrom),
        Marshallers.Create<byte[]>(b => b, b => b));

    [Fact]
    public async Task The_running_relay_serves_Pull_and_Subscribe_with_the_marshaller_that_writes_pre_encoded_items()
    {
        await using var relay = await TestRelay.StartAsync();
        var endpoints = relay.Host.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints;
        var op = Wire.CoreMessages.ToMessage(new Device("board-pre1", "dina").CreateOrder("wo-p1", "tom"));
        var item = Wire.PullResponse.PreEncodedOp(op.ToByteArray());
        var checkpoint = new Wire.PullResponse { Checkpoint = new Wire.Checkpoint { Cursor = 7, More = true } };

        foreach (var name in new[] { "Pull", "Subscribe" })
        {
            var endpoint = Assert.Single(endpoints, e => e.Metadata.GetMetadata<Grpc.AspNetCore.Server.GrpcMethodMetadata>()?.Method.FullName == $"/crdtfieldstore.v1.Sync/{name}");
            var method = endpoint.Metadata.GetMetadata<Grpc.AspNetCore.Server.GrpcMethodMetadata>()!.Method;
            var marshaller = name == "Pull"
                ? Assert.IsType<Method<Wire.PullRequest, Wire.PullResponse>>(method).ResponseMarshaller
                : Assert.IsType<Method<Wire.SubscribeRequest, Wire.PullResponse>>(method).ResponseMarshaller;

            Assert.Equal(new Wire.PullResponse { Op = op }.ToByteArray(), Written(marshaller, item));
            Assert.Equal(checkpoint.ToByteArray(), Written(marshaller, checkpoint));
        }
    }

    [Fact]
    public void A_pre_encoded_item_is_the_encoding_of_the_message_for_any_op_size_and_the_replica_reads_the_stored_bytes()
    {
        var marshaller = Wire.PullResponse.WritingPreEncoded(GeneratedItemMarshaller());
        Prop.ForAll(
            Gen.Elements("", "ann", "technician with a long name").ToArbitrary(),
            Gen.Choose(0, 600).ToArbitrary(),
            (author, mutations) =>
            {
                var stored = StreamItemEncodingTests.OpWith(author, mutations).ToByteArray();
                var written = Written(marshaller, Wire.PullResponse.PreEncodedOp(stored));
                var read = Wire.PullResponse.ParseKeepingOpBytes(new System.Buffers.ReadOnlySequence<byte>(written));
                return written.AsSpan().SequenceEqual(new Wire.PullResponse { Op = Wire.Op.Parser.ParseFrom(stored) }.ToByteArray())
                    && read.ReceivedOpBytes!.AsSpan().SequenceEqual(stored);
            }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16_383)]
    [InlineData(16_384)]
    [InlineData(2_097_152)]
    public void A_pre_encoded_item_writes_the_length_prefix_as_protobuf_does_at_every_varint_width(int length)
    {
        var payload = new byte[length];
        new Random(length).NextBytes(payload);

        var written = Written(Wire.PullResponse.WritingPreEncoded(GeneratedItemMarshaller()), Wire.PullResponse.PreEncodedOp(payload));

        Assert.Equal(Wire.PullResponse.OfEncodedOp(payload).ToByteArray(), written);
    }

    [Fact]
    public async Task A_live_subscriber_receives_each_committed_op_as_the_stored_bytes()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-pre2", "dina");
        await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps([OpCodec.Encode(board.CreateCustomer("c-pre2"))]), dispatcher.Options());
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = dispatcher.Channel.CreateCallInvoker().AsyncServerStreamingCall(
            SubscribeRaw, null, dispatcher.Options(cancel.Token, deadline: false), new Wire.SubscribeRequest { Cursor = 1 });
        Assert.Empty(await OpItemsUntilCheckpointAsync(call.ResponseStream, cancel.Token)); // the catch-up: nothing after cursor 1

        var encoded = new[] { board.CreateOrder("wo-p2", "tom", title: "Live bytes"), board.AddHours("wo-p2", "e1", 2.25m) }.Select(OpCodec.Encode).ToArray();
        await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps(encoded), dispatcher.Options());
        var received = await OpItemsUntilCheckpointAsync(call.ResponseStream, cancel.Token);

        var stored = (await relay.Host.Store.ReadLogAsync("default", 1, 10)).Select(e => e.Payload).ToArray();
        Assert.Equal(encoded, stored);
        Assert.Equal(stored.Select(s => new Wire.PullResponse { Op = Wire.Op.Parser.ParseFrom(s) }.ToByteArray()).ToArray(), received.ToArray());
    }

    [Fact]
    public async Task Only_a_served_stream_gets_pre_encoded_items_an_in_process_writer_gets_items_the_generated_serializer_writes()
    {
        await using var relay = await TestRelay.StartAsync();
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-pre3", "dina");
        var encoded = new[] { board.CreateCustomer("c-pre3"), board.CreateOrder("wo-p3", "tom") }.Select(OpCodec.Encode).ToArray();
        await dispatcher.Sync.PushAsync(Wire.PushRequest.OfEncodedOps(encoded), dispatcher.Options());
        var engine = relay.Host.Services.GetRequiredService<Crdt.Relay.Sync.RelayEngine>();
        var writer = new KeepingWriter();

        await new Crdt.Relay.Sync.OpStreamer(engine, relay.Host.Store, new Crdt.Relay.Auth.CallerIdentity("default", "dina", DeviceRoleKind.Dispatcher), writer)
            .RunAsync(1, 0, live: false, CancellationToken.None);

        var op = Assert.Single(writer.Items, i => i.Checkpoint is null);
        Assert.Null(op.PreEncoded);
        Assert.Equal(new Wire.PullResponse { Op = Wire.Op.Parser.ParseFrom(encoded[1]) }.ToByteArray(), op.ToByteArray());
    }

    /// <summary>The response marshaller of Pull as generated.</summary>
    private static Marshaller<Wire.PullResponse> GeneratedItemMarshaller()
    {
        var binder = new PullBinder();
        Wire.Sync.BindService(binder, null);
        return binder.Pull!.ResponseMarshaller;
    }

    /// <summary>What the marshaller writes for one message, as a gRPC server hands it over (contextual serialization).</summary>
    private static byte[] Written(Marshaller<Wire.PullResponse> marshaller, Wire.PullResponse message)
    {
        var context = new KeepingContext();
        marshaller.ContextualSerializer(message, context);
        return context.Written ?? throw new InvalidOperationException("the marshaller did not complete");
    }

    /// <summary>The op items' bytes up to the next checkpoint.</summary>
    private static async Task<List<byte[]>> OpItemsUntilCheckpointAsync(IAsyncStreamReader<byte[]> stream, CancellationToken cancellationToken)
    {
        var items = new List<byte[]>();
        while (await stream.MoveNext(cancellationToken))
        {
            var item = Wire.PullResponse.Parser.ParseFrom(stream.Current);
            if (item.ItemCase == Wire.PullResponse.ItemOneofCase.Checkpoint)
            {
                return items;
            }
            Assert.Equal(Wire.PullResponse.ItemOneofCase.Op, item.ItemCase);
            items.Add(stream.Current);
        }
        throw new InvalidOperationException("the stream ended before a checkpoint");
    }

    private sealed class PullBinder : ServiceBinderBase
    {
        public Method<Wire.PullRequest, Wire.PullResponse>? Pull { get; private set; }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            if (method is Method<Wire.PullRequest, Wire.PullResponse> pull)
            {
                Pull = pull;
            }
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
        }
    }

    private sealed class KeepingContext : SerializationContext
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();

        public byte[]? Written { get; private set; }

        public override void Complete(byte[] payload) => Written = payload;

        public override void SetPayloadLength(int payloadLength)
        {
        }

        public override System.Buffers.IBufferWriter<byte> GetBufferWriter() => _buffer;

        public override void Complete() => Written = _buffer.WrittenSpan.ToArray();
    }

    private sealed class KeepingWriter : IServerStreamWriter<Wire.PullResponse>
    {
        public List<Wire.PullResponse> Items { get; } = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(Wire.PullResponse message)
        {
            Items.Add(message);
            return Task.CompletedTask;
        }
    }
}
