using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Tests.Integration.Live;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Ocpp;

/// <summary>
/// A production portal (demo mode off) serving HTTPS: a station connects with security profile 2 — TLS and its
/// password — or 3 — TLS with a station certificate of the configured station CA —, and plain ws:// (profile 1) is
/// refused before any credential is looked at.
/// </summary>
public sealed class OcppSecurityProfileTests(OcppSecurityProfileTests.Portal portal) : IClassFixture<OcppSecurityProfileTests.Portal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Demo mode off; HTTPS with a throwaway certificate on one port, plain HTTP on another; a station CA.</summary>
    public sealed class Portal : LivePortal
    {
        public static readonly X509Certificate2 Certificate = CreateCertificate();

        /// <summary>The charging station operator's CA whose station certificates profile 3 takes.</summary>
        public static readonly X509Certificate2 StationCa = Kitu.V2X.Portal.Domain.GridSecurity.Certificates.CreateAuthority("Test CSO station CA", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(800)); // outlives the year a certificate it signs runs

        private static readonly string StationCaPath = WriteStationCa();

        public Portal()
            : base(k =>
            {
                k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(Certificate));
                k.Listen(IPAddress.Loopback, 0);
            })
        {
        }

        protected override bool DemoEnabled => false;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Ocpp:StationCaPath", StationCaPath);
            builder.UseSetting("Ocpp:StationIssuerPath", StationIssuerPath); // the same CA signs what stations ask for
            builder.UseSetting("Ocpp:StationIssuerPassword", "issuer-secret");
        }

        private static readonly string StationIssuerPath = WriteStationIssuer();

        private static string WriteStationCa()
        {
            var path = Path.Combine(Path.GetTempPath(), $"kitu-station-ca-{Guid.NewGuid():N}.pem");
            File.WriteAllText(path, StationCa.ExportCertificatePem());
            return path;
        }

        private static string WriteStationIssuer()
        {
            var path = Path.Combine(Path.GetTempPath(), $"kitu-station-issuer-{Guid.NewGuid():N}.pfx");
            File.WriteAllBytes(path, StationCa.Export(X509ContentType.Pkcs12, "issuer-secret"));
            return path;
        }

        public Uri Secure => Addresses.Single(a => a.Scheme == "https");

        public Uri Plain => Addresses.Single(a => a.Scheme == "http");

        private IEnumerable<Uri> Addresses => Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a));

        private static X509Certificate2 CreateCertificate()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
        }
    }

    [Fact]
    public async Task Profile_2_tls_with_the_password_connects_and_plain_ws_is_refused_outside_demo_mode()
    {
        var (stationId, password, evseId) = await SeedStationAsync();

        // Profile 1 (no TLS) on a production portal: refused, whatever the credentials.
        using (var plain = Client(stationId, password))
        {
            await Assert.ThrowsAsync<WebSocketException>(() => plain.ConnectAsync(new Uri($"ws://{portal.Plain.Authority}/ocpp/{stationId}"), Ct));
            Assert.Equal(HttpStatusCode.Forbidden, plain.HttpStatusCode);
        }

        // Profile 2: TLS (the station trusts the portal's certificate) and Basic authentication.
        using var secure = Client(stationId, password);
        secure.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == Portal.Certificate.GetCertHashString();
        await secure.ConnectAsync(new Uri($"wss://{portal.Secure.Authority}/ocpp/{stationId}"), Ct);
        Assert.Equal("ocpp2.1", secure.SubProtocol);

        var boot = """[2,"boot-1","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]""";
        await secure.SendAsync(Encoding.UTF8.GetBytes(boot), WebSocketMessageType.Text, true, Ct);
        var answer = await ReadUntilAsync(secure, "boot-1");
        using var result = JsonDocument.Parse(answer);
        Assert.Equal(3, result.RootElement[0].GetInt32());
        Assert.Equal("Accepted", result.RootElement[2].GetProperty("status").GetString());
        Assert.Equal("ocpp2.1", portal.Services.GetRequiredService<EvseConnections>().Get(evseId)!.Link.Transport);
        await secure.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);
    }

    [Fact]
    public async Task Profile_3_a_station_certificate_of_the_station_ca_connects_without_a_password_and_others_are_refused()
    {
        var (stationId, _, evseId) = await SeedStationAsync();
        var ca = Portal.StationCa;
        using var other = Kitu.V2X.Portal.Domain.GridSecurity.Certificates.CreateAuthority("Someone else's CA", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(2));

        // Another CA's certificate for this id, and the station CA's certificate for another id: refused (401).
        foreach (var wrong in new[] { Kitu.V2X.Portal.Domain.GridSecurity.Certificates.IssueDevice(other, stationId, DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromDays(1)), Kitu.V2X.Portal.Domain.GridSecurity.Certificates.IssueDevice(ca, "SOMEONE-ELSE", DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromDays(1)) })
        {
            using var refused = Secure(wrong);
            await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(new Uri($"wss://{portal.Secure.Authority}/ocpp/{stationId}"), Ct));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.HttpStatusCode);
        }

        // Its own: in, with no password.
        using var own = Secure(Kitu.V2X.Portal.Domain.GridSecurity.Certificates.IssueDevice(ca, stationId, DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromDays(1)));
        await own.ConnectAsync(new Uri($"wss://{portal.Secure.Authority}/ocpp/{stationId}"), Ct);
        await own.SendAsync(Encoding.UTF8.GetBytes("""[2,"boot-3","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]"""), WebSocketMessageType.Text, true, Ct);
        Assert.Contains("Accepted", await ReadUntilAsync(own, "boot-3"), StringComparison.Ordinal);
        Assert.NotNull(portal.Services.GetRequiredService<EvseConnections>().Get(evseId));
        await own.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);
    }

    [Fact]
    public async Task A_station_asks_for_its_certificate_gets_it_signed_by_the_station_ca_and_connects_with_it_under_profile_3()
    {
        var (stationId, password, evseId) = await SeedStationAsync();
        using var station = Client(stationId, password);
        station.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == Portal.Certificate.GetCertHashString();
        await station.ConnectAsync(new Uri($"wss://{portal.Secure.Authority}/ocpp/{stationId}"), Ct);
        await SendAsync(station, """[2,"boot-4","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]""");
        await ServeUntilAsync(station, "boot-4");

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string Csr(string subject) => new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

        // Refused, each with its reason: another station's name, an ISO 15118 certificate, a request that is not one.
        foreach (var (id, request, reason) in new[]
        {
            ("sign-other", new JsonObject { ["csr"] = Csr("CN=SOMEONE-ELSE, O=Test CSO"), ["certificateType"] = "ChargingStationCertificate" }, "InvalidCSR"),
            ("sign-v2g", new JsonObject { ["csr"] = Csr($"CN={stationId}"), ["certificateType"] = "V2GCertificate" }, "NotSupported"),
            ("sign-junk", new JsonObject { ["csr"] = "-----BEGIN CERTIFICATE REQUEST-----\nnot one\n-----END CERTIFICATE REQUEST-----" }, "InvalidCSR"),
        })
        {
            await SendAsync(station, $"[2,\"{id}\",\"SignCertificate\",{request.ToJsonString()}]");
            using var refused = JsonDocument.Parse(await ServeUntilAsync(station, id));
            Assert.Equal("Rejected", refused.RootElement[2].GetProperty("status").GetString());
            Assert.Equal(reason, refused.RootElement[2].GetProperty("statusInfo").GetProperty("reasonCode").GetString());
        }

        // Its own request: accepted, then the chain arrives as CertificateSigned (answered Accepted).
        var sign = new JsonObject { ["csr"] = Csr($"CN={stationId}, O=Test CSO"), ["certificateType"] = "ChargingStationCertificate", ["requestId"] = 7 };
        await SendAsync(station, $"[2,\"sign-1\",\"SignCertificate\",{sign.ToJsonString()}]");
        using (var accepted = JsonDocument.Parse(await ServeUntilAsync(station, "sign-1")))
        {
            Assert.Equal("Accepted", accepted.RootElement[2].GetProperty("status").GetString());
        }

        using var signed = JsonDocument.Parse(await ServeUntilAsync(station, "CertificateSigned"));
        var body = signed.RootElement[3];
        Assert.Equal(7, body.GetProperty("requestId").GetInt32());
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(body.GetProperty("certificateChain").GetString());
        Assert.Equal(2, chain.Count);
        using var issued = chain[0].CopyWithPrivateKey(key);
        Assert.Equal(stationId, issued.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        Assert.Equal(Portal.StationCa.SubjectName.Name, issued.IssuerName.Name);
        Assert.Equal(Portal.StationCa.Thumbprint, chain[1].Thumbprint);
        Assert.False(issued.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        await station.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);

        // The certificate it was given is one that profile 3 takes: in with it, no password.
        using var withCertificate = Secure(issued);
        await withCertificate.ConnectAsync(new Uri($"wss://{portal.Secure.Authority}/ocpp/{stationId}"), Ct);
        await SendAsync(withCertificate, """[2,"boot-5","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]""");
        Assert.Contains("Accepted", await ServeUntilAsync(withCertificate, "boot-5"), StringComparison.Ordinal);
        Assert.NotNull(portal.Services.GetRequiredService<EvseConnections>().Get(evseId));
        await withCertificate.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);
    }

    [Fact]
    public async Task A_station_whose_certificate_ends_soon_is_asked_to_renew_it_and_with_the_new_one_is_not_asked_again()
    {
        var (stationId, _, evseId) = await SeedStationAsync();
        string? Note() => Kitu.V2X.Portal.Sites.LotDashboard.StationNoteText(portal.Services.GetRequiredService<EvseConnections>().Get(evseId)?.Station, TimeZoneInfo.Utc, 30, DateTimeOffset.UtcNow);
        static bool AskedToRenew(JsonElement root) => root[0].GetInt32() == 2 && root[2].GetString() == "TriggerMessage"
            && root[3].GetProperty("requestedMessage").GetString() == "SignChargingStationCertificate";
        const string Boot = """[2,"boot-r","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}]""";

        // Its certificate ends in 23 hours: at its boot it is asked for a new one (A02), and asks; the chain comes back.
        using var ending = Secure(Kitu.V2X.Portal.Domain.GridSecurity.Certificates.IssueDevice(Portal.StationCa, stationId, DateTimeOffset.UtcNow.AddHours(-1), TimeSpan.FromDays(1)));
        await ending.ConnectAsync(new Uri($"wss://{portal.Secure.Authority}/ocpp/{stationId}"), Ct);
        await SendAsync(ending, Boot);
        await ServeUntilAsync(ending, AskedToRenew);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var sign = new JsonObject { ["csr"] = new CertificateRequest($"CN={stationId}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem(), ["certificateType"] = "ChargingStationCertificate" };
        await SendAsync(ending, $"[2,\"sign-r\",\"SignCertificate\",{sign.ToJsonString()}]");
        using var signed = JsonDocument.Parse(await ServeUntilAsync(ending, "CertificateSigned"));
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(signed.RootElement[3].GetProperty("certificateChain").GetString());
        using var renewed = chain[0].CopyWithPrivateKey(key);
        Assert.True(renewed.NotAfter > DateTime.Now.AddDays(300));
        Assert.Contains("Its certificate ends", Note(), StringComparison.Ordinal); // the owner's page says it, and that it was asked
        Assert.Contains("the station was asked to renew it", Note(), StringComparison.Ordinal);
        await ending.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);

        // With the new one (a year): booted and heartbeating, it is not asked again.
        using var fresh = Secure(renewed);
        await fresh.ConnectAsync(new Uri($"wss://{portal.Secure.Authority}/ocpp/{stationId}"), Ct);
        var calls = new List<string>();
        await SendAsync(fresh, Boot);
        await ServeUntilAsync(fresh, root => root[1].GetString() == "boot-r", calls);
        // The link's own calls come first (meter settings, then the triggers); a renewal asked at boot would follow them.
        if (!calls.Any(c => c.Contains("\"requestedMessage\":\"TransactionEvent\"", StringComparison.Ordinal)))
        {
            await ServeUntilAsync(fresh, root => root[0].GetInt32() == 2 && root[2].GetString() == "TriggerMessage" && root[3].GetProperty("requestedMessage").GetString() == "TransactionEvent", calls);
        }

        await SendAsync(fresh, """[2,"beat-r","Heartbeat",{}]""");
        await ServeUntilAsync(fresh, root => root[1].GetString() == "beat-r", calls);
        Assert.Contains(calls, c => c.Contains("\"TriggerMessage\"", StringComparison.Ordinal)); // the link's own triggers (status, transaction) did come
        Assert.DoesNotContain(calls, c => c.Contains("SignChargingStationCertificate", StringComparison.Ordinal));
        Assert.Null(Note()); // a year to go: nothing for the owner to do
        await fresh.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);
    }

    private static Task SendAsync(ClientWebSocket socket, string frame) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, Ct);

    /// <summary>
    /// Frames until the answer to <paramref name="awaited"/> (a message id) or the portal's call of that action; every
    /// other call of the portal meanwhile is answered Accepted, as a station that goes along would.
    /// </summary>
    private static async Task<string> ServeUntilAsync(ClientWebSocket socket, string awaited) =>
        await ServeUntilAsync(socket, root => root[1].GetString() == awaited || (root[0].GetInt32() == 2 && root[2].GetString() == awaited));

    /// <summary>Frames until one that <paramref name="match"/> takes, each call of the portal answered Accepted; the calls seen go to <paramref name="calls"/>.</summary>
    private static async Task<string> ServeUntilAsync(ClientWebSocket socket, Func<JsonElement, bool> match, List<string>? calls = null)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
            var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
            using var frame = JsonDocument.Parse(text);
            var root = frame.RootElement;
            if (root[0].GetInt32() == 2)
            {
                calls?.Add(text);
                var answer = root[2].GetString() == "SetVariables"
                    ? new JsonObject
                    {
                        ["setVariableResult"] = new JsonArray([.. root[3].GetProperty("setVariableData").EnumerateArray().Select(d => (JsonNode)new JsonObject
                        {
                            ["attributeStatus"] = "Accepted",
                            ["component"] = JsonNode.Parse(d.GetProperty("component").GetRawText()),
                            ["variable"] = JsonNode.Parse(d.GetProperty("variable").GetRawText()),
                        })]),
                    }.ToJsonString()
                    : """{"status":"Accepted"}""";
                await SendAsync(socket, $"[3,\"{root[1].GetString()}\",{answer}]");
            }

            if (match(root))
            {
                return text;
            }
        }
    }

    /// <summary>A station client over TLS with this client certificate and no password.</summary>
    private static ClientWebSocket Secure(X509Certificate2 certificate)
    {
        var client = new ClientWebSocket();
        client.Options.AddSubProtocol("ocpp2.1");
        client.Options.CollectHttpResponseDetails = true;
        client.Options.ClientCertificates = [certificate];
        client.Options.RemoteCertificateValidationCallback = (_, server, _, _) => server?.GetCertHashString() == Portal.Certificate.GetCertHashString();
        return client;
    }

    private static ClientWebSocket Client(string stationId, string password)
    {
        var client = new ClientWebSocket();
        client.Options.AddSubProtocol("ocpp2.1");
        client.Options.CollectHttpResponseDetails = true;
        client.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stationId}:{password}")));
        return client;
    }

    /// <summary>Frames until the answer to <paramref name="messageId"/> (the portal's own calls may come first).</summary>
    private static async Task<string> ReadUntilAsync(ClientWebSocket socket, string messageId)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
            var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
            if (text.Contains($"\"{messageId}\"", StringComparison.Ordinal))
            {
                return text;
            }
        }
    }

    private async Task<(string StationId, string Password, Guid EvseId)> SeedStationAsync()
    {
        var station = await StationSeed.SeedAsync(portal.Services, "TLS", Ct);
        Assert.Equal(40, station.Password.Length);
        return station;
    }
}

/// <summary>An owner of their own with a lot and one OCPP charger on it, its station id prefixed, and its new password.</summary>
internal static class StationSeed
{
    public static async Task<(string StationId, string Password, Guid EvseId)> SeedAsync(IServiceProvider services, string prefix, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var users = sp.GetRequiredService<UserManager<PortalUser>>();
        var owner = new PortalUser { UserName = $"owner-{Guid.NewGuid():N}@example.test", Email = $"owner-{Guid.NewGuid():N}@example.test" };
        Assert.True((await users.CreateAsync(owner, "A-long-enough-passw0rd!")).Succeeded);
        var db = sp.GetRequiredService<PortalDbContext>();
        var site = new Site { OwnerId = owner.Id, Name = "Lot", UtilityName = "Utility", Kind = SiteKind.Private };
        var stationId = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        var evse = new Evse { SiteId = site.Id, Name = "OCPP bay", Current = CurrentType.Dc, RatedChargeKw = 11, RatedDischargeKw = 11, OcppStationId = stationId };
        db.AddRange(site, evse);
        await db.SaveChangesAsync(ct);
        return (stationId, await sp.GetRequiredService<EvseProvisioning>().IssueAsync(evse.Id, ct), evse.Id);
    }
}
