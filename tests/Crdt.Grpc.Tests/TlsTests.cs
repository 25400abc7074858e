using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Crdt.Grpc.Server;
using Crdt.Grpc.Tests.Support;
using Grpc.Testing;
using Microsoft.AspNetCore.Routing;

namespace Crdt.Grpc.Tests;

/// <summary>Guards that the same layer works over TLS (HTTP/2 via ALPN), and that an untrusted certificate is refused.</summary>
public sealed class TlsTests
{
    private static X509Certificate2 SelfSignedLocalhost()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Kestrel needs a certificate whose key it can use for the handshake: round-trip through PFX.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private static Task<TestServer> StartAsync(X509Certificate2 certificate) => TestServer.StartAsync(
        app => app.MapGrpcServerStreaming(ProbeMethods.ServerStream, async (request, responses, context) =>
        {
            for (var i = 0; i < request.ResponseSize; i++)
            {
                await responses.WriteAsync(new SimpleResponse { Username = context.HttpContext.Request.IsHttps ? "tls" : "clear" });
            }
        }),
        tlsCertificate: certificate);

    [Fact]
    public async Task Calls_work_over_TLS_with_a_trusted_certificate()
    {
        using var certificate = SelfSignedLocalhost();
        await using var server = await StartAsync(certificate);
        var address = server.Address.Replace("http://", "https://", StringComparison.Ordinal);
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            ServerCertificateValidation = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString(),
        });

        using var call = channel.ServerStreaming(ProbeMethods.ServerStream, new SimpleRequest { ResponseSize = 3 });
        var answers = await call.ResponseStream.ReadAllAsync().Select(r => r.Username).ToListAsync();

        Assert.Equal(["tls", "tls", "tls"], answers);
    }

    [Fact]
    public async Task An_untrusted_certificate_fails_the_call_UNAVAILABLE()
    {
        using var certificate = SelfSignedLocalhost();
        await using var server = await StartAsync(certificate);
        using var channel = GrpcChannel.ForAddress(server.Address.Replace("http://", "https://", StringComparison.Ordinal));

        using var call = channel.ServerStreaming(ProbeMethods.ServerStream, new SimpleRequest { ResponseSize = 1 });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
