using Crdt.Grpc.Internal;
using FsCheck;
using FsCheck.Fluent;

namespace Crdt.Grpc.Tests;

/// <summary>Guards the wire encodings shared by client and server: grpc-timeout, grpc-message, metadata, framing.</summary>
public sealed class ProtocolPieceTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("4984m", 49_840_000L)]
    [InlineData("250u", 2_500L)]
    [InlineData("99999999n", 999_999L)]
    public void Grpc_timeout_parses_every_unit(string header, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    [InlineData("1.5S")]
    public void Grpc_timeout_rejects_malformed_values(string header) =>
        Assert.False(GrpcTimeout.TryParse(header, out _));

    [Fact]
    public void Formatted_timeouts_fit_eight_digits_and_never_shorten_the_deadline() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).Select(n => (long)n * 4_000).ToArbitrary(), ticks =>
        {
            var timeout = TimeSpan.FromTicks(ticks);
            var header = GrpcTimeout.Format(timeout);
            return GrpcTimeout.TryParse(header, out var parsed)
                && header.Length <= 9
                && parsed >= timeout
                && parsed - timeout <= Precision(header[^1]);
        }).QuickCheckThrowOnFailure();

    private static TimeSpan Precision(char unit) => unit switch
    {
        'u' => TimeSpan.FromTicks(10),
        'm' => TimeSpan.FromMilliseconds(1),
        'S' => TimeSpan.FromSeconds(1),
        'M' => TimeSpan.FromMinutes(1),
        _ => TimeSpan.FromHours(1),
    };

    [Fact]
    public void Grpc_message_round_trips_any_text() =>
        Prop.ForAll<string>(text =>
        {
            text ??= "";
            var valid = new string(text.Where(c => !char.IsSurrogate(c)).ToArray());
            var encoded = GrpcMessageEncoding.Encode(valid);
            return encoded.All(c => c >= 0x20 && c <= 0x7E) && GrpcMessageEncoding.Decode(encoded) == valid;
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Grpc_message_escapes_only_non_printable_bytes_and_percent()
    {
        Assert.Equal("a,b:c/d %25 %0A%E2%98%BA", GrpcMessageEncoding.Encode("a,b:c/d % \n☺"));
        Assert.Equal("plain text", GrpcMessageEncoding.Encode("plain text"));
    }

    [Theory]
    [InlineData("100%", "100%")]
    [InlineData("bad %ZZ escape", "bad %ZZ escape")]
    [InlineData("cut %4", "cut %4")]
    [InlineData("%e2%98%ba lower-case hex", "☺ lower-case hex")]
    public void Grpc_message_decoding_never_fails_on_bad_escapes(string encoded, string expected) =>
        Assert.Equal(expected, GrpcMessageEncoding.Decode(encoded));

    [Fact]
    public void Binary_metadata_is_sent_unpadded_and_read_padded_or_not_and_comma_joined()
    {
        var metadata = new Metadata().Add("x-data-bin", new byte[] { 0xAB, 0xAB, 0xAB, 0x01 });
        Assert.Equal("q6urAQ", MetadataCodec.EncodeValue(metadata[0]));

        var received = new Metadata();
        MetadataCodec.AddReceived(received, "X-Data-Bin", "q6urAQ==, q6ur");
        MetadataCodec.AddReceived(received, "x-text", "kept as is");
        MetadataCodec.AddReceived(received, "grpc-status", "0");
        MetadataCodec.AddReceived(received, "content-type", "application/grpc");

        Assert.Equal([new byte[] { 0xAB, 0xAB, 0xAB, 0x01 }, new byte[] { 0xAB, 0xAB, 0xAB }], received.GetAll("x-data-bin").Select(e => e.ValueBytes));
        Assert.Equal("kept as is", received.GetValue("x-text"));
        Assert.Equal(3, received.Count);
    }

    [Theory]
    [InlineData("Has Space", "v")]
    [InlineData("grpc-status", "0")]
    [InlineData("content-type", "x")]
    [InlineData(":path", "/x")]
    [InlineData("x-bin", "text for a binary key")]
    [InlineData("x-ok", "line\nbreak")]
    [InlineData("x-ok", "café")]
    public void Metadata_refuses_invalid_or_reserved_entries(string key, string value) =>
        Assert.Throws<ArgumentException>(() => new Metadata().Add(key, value));

    [Fact]
    public void Metadata_keys_are_case_insensitive_and_stored_lower_case()
    {
        var metadata = new Metadata().Add("Authorization", "Bearer x");
        Assert.Equal("authorization", metadata[0].Key);
        Assert.Equal("Bearer x", metadata.GetValue("AUTHORIZATION"));
        Assert.Throws<ArgumentException>(() => new Metadata().Add("x-text", new byte[] { 1 }));
    }

    [Fact]
    public void Frame_header_is_flag_then_big_endian_length()
    {
        var header = new byte[5];
        MessageFraming.WriteHeader(header, compressed: true, 0x01020304);
        Assert.Equal(new byte[] { 1, 1, 2, 3, 4 }, header);
        Assert.Equal(((byte)1, 0x01020304u), MessageFraming.ReadHeader(header));
    }

    [Fact]
    public void Compression_round_trips_and_stops_at_the_size_limit()
    {
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)(i % 7)).ToArray();
        foreach (var encoding in new[] { "gzip", "deflate" })
        {
            var compressed = GrpcCompression.Compress(encoding, data);
            Assert.Equal(data, GrpcCompression.Decompress(encoding, compressed, data.Length));
            Assert.Null(GrpcCompression.Decompress(encoding, compressed, data.Length - 1));
        }
    }

    [Theory]
    [InlineData(0x0, StatusCode.Unavailable)]        // GOAWAY(NO_ERROR): server shut down under the call
    [InlineData(0x1, StatusCode.Internal)]           // PROTOCOL_ERROR
    [InlineData(0x2, StatusCode.Internal)]           // INTERNAL_ERROR
    [InlineData(0x7, StatusCode.Unavailable)]        // REFUSED_STREAM
    [InlineData(0x8, StatusCode.Cancelled)]          // CANCEL
    [InlineData(0xb, StatusCode.ResourceExhausted)]  // ENHANCE_YOUR_CALM
    [InlineData(0xc, StatusCode.PermissionDenied)]   // INADEQUATE_SECURITY
    public void Http2_errors_map_to_the_statuses_of_PROTOCOL_HTTP2(long errorCode, StatusCode expected) =>
        Assert.Equal(expected, Crdt.Grpc.Client.StatusMapping.FromHttp2Error(errorCode));

    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    public void Non_grpc_http_answers_map_like_grpc_js(int httpStatus, StatusCode expected) =>
        Assert.Equal(expected, Crdt.Grpc.Client.StatusMapping.FromHttpStatus((System.Net.HttpStatusCode)httpStatus));
}
