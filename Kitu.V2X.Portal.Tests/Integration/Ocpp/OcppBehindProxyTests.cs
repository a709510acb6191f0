using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Tests.Integration.Live;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Ocpp;

/// <summary>
/// A production portal behind a proxy that ends TLS (Proxy:KnownNetworks = loopback): the proxy's
/// X-Forwarded-Proto makes a station's link profile 2, and its forwarded client certificate profile 3; the same
/// headers from an address that is not a known proxy count for nothing.
/// </summary>
public sealed class OcppBehindProxyTests
{
    private static readonly X509Certificate2 StationCa = Kitu.V2X.Portal.Domain.GridSecurity.Certificates.CreateAuthority("Proxy test station CA", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(2));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Behind_a_known_proxy_its_forwarded_tls_and_client_certificate_count_and_from_elsewhere_they_do_not()
    {
        await using var behind = new Portal("127.0.0.0/8, ::1/128");
        var (stationId, password, evseId) = await SeedStationAsync(behind);
        var endpoint = new Uri($"ws://{behind.Address.Authority}/ocpp/{stationId}");

        // Plain ws:// from the proxy, which says the station came over TLS: profile 2, with the password.
        using (var viaProxy = Client())
        {
            viaProxy.Options.SetRequestHeader("X-Forwarded-Proto", "https");
            viaProxy.Options.SetRequestHeader("X-Forwarded-For", "203.0.113.7");
            viaProxy.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stationId}:{password}")));
            await viaProxy.ConnectAsync(endpoint, Ct);
            await BootAsync(viaProxy);
            Assert.NotNull(behind.Services.GetRequiredService<EvseConnections>().Get(evseId));
            await viaProxy.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);
        }

        // The station's certificate, forwarded by the proxy as nginx does (URL-encoded PEM): profile 3, no password.
        using var certificate = Kitu.V2X.Portal.Domain.GridSecurity.Certificates.IssueDevice(StationCa, stationId, DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromDays(1));
        using (var withCertificate = Client())
        {
            withCertificate.Options.SetRequestHeader("X-Forwarded-Proto", "https");
            withCertificate.Options.SetRequestHeader("X-Client-Cert", Uri.EscapeDataString(certificate.ExportCertificatePem()));
            await withCertificate.ConnectAsync(endpoint, Ct);
            await BootAsync(withCertificate);
            await withCertificate.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);
        }

        // A portal that trusts no proxy: the same headers are the station's own word — plain ws:// is refused.
        await using var direct = new Portal(null);
        var (otherId, otherPassword, _) = await SeedStationAsync(direct);
        using var spoofing = Client();
        spoofing.Options.SetRequestHeader("X-Forwarded-Proto", "https");
        spoofing.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{otherId}:{otherPassword}")));
        await Assert.ThrowsAsync<WebSocketException>(() => spoofing.ConnectAsync(new Uri($"ws://{direct.Address.Authority}/ocpp/{otherId}"), Ct));
        Assert.Equal(HttpStatusCode.Forbidden, spoofing.HttpStatusCode);
    }

    [Fact]
    public async Task A_forwarded_certificate_from_an_address_that_is_no_known_proxy_is_dropped()
    {
        await using var behind = new Portal("192.0.2.0/24"); // the proxy is elsewhere; the test connects from loopback
        var (stationId, _, _) = await SeedStationAsync(behind);
        using var certificate = Kitu.V2X.Portal.Domain.GridSecurity.Certificates.IssueDevice(StationCa, stationId, DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromDays(1));
        using var client = Client();
        client.Options.SetRequestHeader("X-Forwarded-Proto", "https");
        client.Options.SetRequestHeader("X-Client-Cert", Uri.EscapeDataString(certificate.ExportCertificatePem()));

        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(new Uri($"ws://{behind.Address.Authority}/ocpp/{stationId}"), Ct));
        Assert.Equal(HttpStatusCode.Forbidden, client.HttpStatusCode); // not over TLS, as far as the portal can tell
    }

    private static ClientWebSocket Client()
    {
        var client = new ClientWebSocket();
        client.Options.AddSubProtocol("ocpp2.1");
        client.Options.CollectHttpResponseDetails = true;
        return client;
    }

    private static async Task BootAsync(ClientWebSocket socket)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes("""[2,"boot","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]"""), WebSocketMessageType.Text, true, Ct);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
            var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
            if (text.Contains("\"boot\"", StringComparison.Ordinal))
            {
                Assert.Contains("Accepted", text, StringComparison.Ordinal);
                return;
            }
        }
    }

    private static Task<(string StationId, string Password, Guid EvseId)> SeedStationAsync(Portal portal) =>
        StationSeed.SeedAsync(portal.Services, "PRX", Ct);

    /// <summary>Demo mode off (no plain ws:// of its own), plain HTTP on loopback as behind a proxy, station CA set.</summary>
    private sealed class Portal(string? knownNetworks) : LivePortal
    {
        private static readonly string StationCaPath = WriteStationCa();

        protected override bool DemoEnabled => false;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Ocpp:StationCaPath", StationCaPath);
            if (knownNetworks is not null)
            {
                builder.UseSetting("Proxy:KnownNetworks", knownNetworks);
            }
        }

        private static string WriteStationCa()
        {
            var path = Path.Combine(Path.GetTempPath(), $"kitu-proxy-station-ca-{Guid.NewGuid():N}.pem");
            File.WriteAllText(path, StationCa.ExportCertificatePem());
            return path;
        }
    }
}
