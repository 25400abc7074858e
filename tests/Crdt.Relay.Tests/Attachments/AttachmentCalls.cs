using System.Security.Cryptography;
using Crdt.Core.Wire;
using Crdt.Relay.Tests.Support;
using Google.Protobuf;
using Grpc.Core;

namespace Crdt.Relay.Tests.Attachments;

/// <summary>The Attachments service as a test device calls it, through the generated client.</summary>
internal static class AttachmentCalls
{
    public static Crdt.Core.Wire.Attachments.AttachmentsClient Client(RelayClient device) => new(device.Channel);

    public static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static Task<UploadStatusResponse> StatusAsync(RelayClient device, string sha, long size, string type = "image/jpeg") =>
        Client(device).UploadStatusAsync(new UploadStatusRequest { Sha256 = sha, Size = size, ContentType = type }, device.Options()).ResponseAsync;

    /// <summary>Uploads <paramref name="bytes"/>[from..until) claiming the whole content is <paramref name="size"/>
    /// bytes with hash <paramref name="sha"/>, in 64 KiB messages.</summary>
    public static async Task<UploadResponse> UploadAsync(RelayClient device, string sha, byte[] bytes, long from = 0, long? until = null,
        string type = "image/jpeg", long? size = null)
    {
        using var call = Client(device).Upload(device.Options());
        var end = until ?? bytes.Length;
        // The relay answers only after reading the header, so a failed header write is the
        // client's own failure and surfaces as itself. Swallowing it once (CI, under load) turned
        // a client-side write failure into a misleading "empty upload" refusal from the relay. Only
        // if the relay did read the header (its answer is about the upload) is its answer returned.
        var firstCount = (int)Math.Min(64 * 1024, end - from);
        try
        {
            await call.RequestStream.WriteAsync(new UploadRequest
            {
                Header = new UploadHeader { Sha256 = sha, Size = size ?? bytes.Length, ContentType = type, Offset = from },
                Data = ByteString.CopyFrom(bytes, (int)from, Math.Max(firstCount, 0)),
            });
        }
        catch (Exception headerWriteFailure)
        {
            try
            {
                return await call.ResponseAsync;
            }
            catch (RpcException answer) when (answer.Status.Detail.StartsWith("empty upload", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("the upload's header write failed in the client; the relay saw no message", headerWriteFailure);
            }
        }
        try
        {
            for (var at = from + 64 * 1024; at < end; at += 64 * 1024)
            {
                var count = (int)Math.Min(64 * 1024, end - at);
                await call.RequestStream.WriteAsync(new UploadRequest { Data = ByteString.CopyFrom(bytes, (int)at, count) });
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception)
        {
            // After the header the relay may answer before reading everything (a refusal, or
            // "complete" for bytes it already has) and the stream closes under the writes: its
            // answer is in the response.
        }
        return await call.ResponseAsync;
    }

    public static async Task<byte[]> DownloadAsync(RelayClient device, string workOrder, string sha, long offset = 0)
    {
        using var call = Client(device).Download(new DownloadRequest
        {
            Document = new DocumentKey { Collection = "WorkOrder", Id = workOrder }, Sha256 = sha, Offset = offset,
        }, device.Options());
        var content = new MemoryStream();
        while (await call.ResponseStream.MoveNext(CancellationToken.None)) content.Write(call.ResponseStream.Current.Data.Span);
        return content.ToArray();
    }

    /// <summary>A dispatcher creates a work order assigned to <paramref name="assignee"/> whose attachments set refers to the hash.</summary>
    public static Task<MutateResponse> CreateOrderWithAttachmentAsync(RelayClient dispatcher, string id, string assignee, string sha, long size) =>
        dispatcher.MutateAsync("WorkOrder", id, 0,
            new Mutation { SetField = new SetField { Field = "title", Value = new FieldValue { StringValue = "Pump" } } },
            new Mutation { SetField = new SetField { Field = "status", Value = new FieldValue { StringValue = "open" } } },
            new Mutation { SetField = new SetField { Field = "assignee", Value = new FieldValue { StringValue = assignee } } },
            new Mutation
            {
                AddElement = new AddElement
                {
                    Field = "attachments", ElementId = "photo-" + sha[..8],
                    Values =
                    {
                        new ElementFieldValue { Field = "name", Value = new FieldValue { StringValue = "pump.jpg" } },
                        new ElementFieldValue { Field = "contentType", Value = new FieldValue { StringValue = "image/jpeg" } },
                        new ElementFieldValue { Field = "size", Value = new FieldValue { IntegerValue = size } },
                        new ElementFieldValue { Field = "sha256", Value = new FieldValue { StringValue = sha } },
                    },
                },
            });

    public static async Task<RpcException> RefusedAsync(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);
}
