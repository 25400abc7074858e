using System.Diagnostics;
using Crdt.Grpc;
using Google.Protobuf;
using Grpc.Testing;

namespace Crdt.GrpcLoad;

/// <summary>
/// Drives one server through one channel (one HTTP/2 connection): closed-loop unary calls with a
/// fixed number in flight, and server-streaming calls of 100-byte messages.
/// </summary>
internal static class LoadRunner
{
    /// <summary>Unary calls per second with <paramref name="concurrency"/> calls in flight (100-byte request and response payloads).</summary>
    public static async Task<double> UnaryCallsPerSecondAsync(GrpcChannel channel, int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        var request = new SimpleRequest { ResponseSize = 100, Payload = new Payload { Body = ByteString.CopyFrom(new byte[100]) } };
        await RunAsync(warmup);
        return await RunAsync(duration) / duration.TotalSeconds;

        async Task<long> RunAsync(TimeSpan length)
        {
            long completed = 0;
            var stopwatch = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (stopwatch.Elapsed < length)
                {
                    var response = await channel.UnaryAsync(LoadMethods.UnaryCall, request);
                    if (response.Payload.Body.Length != 100)
                    {
                        throw new InvalidOperationException("Wrong response size.");
                    }

                    Interlocked.Increment(ref completed);
                }
            });
            await Task.WhenAll(workers);
            return completed;
        }
    }

    /// <summary>Server-streaming messages per second: <paramref name="streams"/> concurrent calls, each asking for <paramref name="messagesPerCall"/> 100-byte messages.</summary>
    public static async Task<double> StreamedMessagesPerSecondAsync(GrpcChannel channel, int streams, int messagesPerCall, TimeSpan warmup, TimeSpan duration)
    {
        var request = new StreamingOutputCallRequest();
        for (var i = 0; i < messagesPerCall; i++)
        {
            request.ResponseParameters.Add(new ResponseParameters { Size = 100 });
        }

        await RunAsync(warmup);
        var stopwatch = Stopwatch.StartNew();
        var messages = await RunAsync(duration);
        return messages / stopwatch.Elapsed.TotalSeconds;

        async Task<long> RunAsync(TimeSpan length)
        {
            long received = 0;
            var stopwatch = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, streams).Select(async _ =>
            {
                while (stopwatch.Elapsed < length)
                {
                    using var call = channel.ServerStreaming(LoadMethods.StreamingOutputCall, request);
                    var count = 0;
                    while (await call.ResponseStream.MoveNext())
                    {
                        count++;
                    }

                    if (count != messagesPerCall)
                    {
                        throw new InvalidOperationException($"Got {count} of {messagesPerCall} messages.");
                    }

                    Interlocked.Add(ref received, count);
                }
            });
            await Task.WhenAll(workers);
            return received;
        }
    }
}
