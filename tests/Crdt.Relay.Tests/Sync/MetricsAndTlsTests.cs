using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Crdt.Relay.Diagnostics;
using Crdt.Relay.Storage;
using Crdt.Relay.Tests.Support;
using Grpc.Health.V1;
using Microsoft.Extensions.Logging;

namespace Crdt.Relay.Tests.Sync;

/// <summary>Guards what an operator relies on: the metrics move with the traffic, and the relay
/// serves TLS from PEM files.</summary>
public sealed class MetricsAndTlsTests
{
    [Fact]
    public async Task Stored_ops_refusals_and_open_streams_are_counted()
    {
        var measurements = new List<(string Name, double Value, string? Reason)>();
        Meter? ours = null; // other tests' relays publish on meters of the same name at the same time
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RelayMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (instrument.Meter != Volatile.Read(ref ours)) return;
            string? reason = null;
            foreach (var tag in tags) if (tag.Key == "reason") reason = tag.Value as string;
            lock (measurements) measurements.Add((instrument.Name, value, reason));
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        await using var relay = await TestRelay.StartAsync();
        Volatile.Write(ref ours, relay.Host.Metrics.Meter);
        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-metrics", "dina");

        await dispatcher.PushAsync(board.CreateOrder("wo-m1", "tom"), board.CreateOrder("wo-m2", "tom"));
        await dispatcher.PullAsync();
        await Assert.ThrowsAsync<RpcException>(() => relay.Client("wrong").GetAsync("WorkOrder", "wo-m1"));

        lock (measurements)
        {
            Assert.Equal(2, measurements.Where(m => m.Name == "crdt.relay.ops.stored").Sum(m => m.Value));
            Assert.Contains(measurements, m => m.Name == "crdt.relay.push.duration" && m.Value > 0);
            Assert.Contains(measurements, m => m.Name == "crdt.relay.pull.duration");
            Assert.Contains(measurements, m => m.Name == "crdt.relay.requests.refused" && m.Reason == "Unauthenticated");
            var streams = measurements.Where(m => m.Name == "crdt.relay.devices.connected").Select(m => m.Value).ToList();
            Assert.Equal([1, -1], streams);
        }
    }

    [Fact]
    public async Task Each_commit_a_live_stream_delivers_is_timed_once()
    {
        var deliveries = new List<double>();
        Meter? ours = null; // other tests' relays publish on meters of the same name at the same time
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RelayMetrics.MeterName && instrument.Name == "crdt.relay.stream.delivery") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Meter == Volatile.Read(ref ours)) lock (deliveries) deliveries.Add(value);
        });
        listener.Start();
        await using var relay = await TestRelay.StartAsync();
        Volatile.Write(ref ours, relay.Host.Metrics.Meter);
        var watcher = await relay.DeviceAsync("wendy", DeviceRoleKind.Dispatcher);
        var cursor = (await watcher.PullAsync())[^1].Checkpoint.Cursor;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = watcher.Subscribe(cursor, cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token)); // the catch-up's checkpoint: no live commit in it

        var dispatcher = await relay.DeviceAsync("dina", DeviceRoleKind.Dispatcher);
        var board = new Device("board-delivery", "dina");
        await dispatcher.PushAsync(board.CreateOrder("wo-d1", "tom"));
        var head = (await dispatcher.PushAsync(board.CreateOrder("wo-d2", "tom"))).Cursor;
        while (!(call.ResponseStream.Current.Checkpoint?.Cursor >= head))
        {
            Assert.True(await call.ResponseStream.MoveNext(cancel.Token));
        }
        // The relay times a delivery once its flush completes, which can be just after the device read it.
        Assert.True(SpinWait.SpinUntil(() => { lock (deliveries) return deliveries.Count >= 2; }, TimeSpan.FromSeconds(10)), "both commits' deliveries timed");

        lock (deliveries)
        {
            Assert.Equal(2, deliveries.Count);
            Assert.All(deliveries, ms => Assert.True(ms >= 0));
        }
    }

    [Fact]
    public async Task The_relay_serves_tls_from_pem_files()
    {
        using var folder = new TempFolder();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(folder.Path, "cert.pem");
        var keyPath = Path.Combine(folder.Path, "key.pem");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

        await using var relay = await RelayHost.StartAsync(new RelayOptions
        {
            DataDirectory = Path.Combine(folder.Path, "data"),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            TlsCertificatePath = certPath,
            TlsKeyPath = keyPath,
            ConfigureLogging = l => l.SetMinimumLevel(LogLevel.Critical),
        });
        var address = new UriBuilder(relay.Address) { Scheme = "https" }.Uri;
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == certificate.GetCertHashString() },
            },
        });

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }
}
