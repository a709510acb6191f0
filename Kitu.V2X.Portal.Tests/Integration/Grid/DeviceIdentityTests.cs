using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sandbox;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// Identities a utility's server really trusts: the sandbox here has enrolled only one outside CA (a charger maker's),
/// not the portal's device CA — as an independent server that enrolled only the devices it knows. An imported
/// certificate and one signed from the portal's request are accepted, the portal's own is refused with its cause.
/// </summary>
public sealed class DeviceIdentityTests(DeviceIdentityTests.Portal portal) : IClassFixture<DeviceIdentityTests.Portal>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_portal_issued_certificate_is_refused_by_a_server_that_never_enrolled_its_ca_and_the_status_says_why()
    {
        var (chargers, owner, evse, server) = await ChargerAsync("Portal-issued");

        var result = Assert.Single(await chargers.BindAsync(owner, [evse], server, "111115", Ct));

        Assert.True(result.Outcome.Succeeded, result.Outcome.Error);
        Assert.NotEqual(GridIntegration.Integrated, result.Outcome.Rules!.Integration);
        Assert.Contains("does not accept this device's certificate", result.Outcome.Rules.IntegrationDetail, StringComparison.Ordinal);
        Assert.Equal(DeviceIdentityKind.PortalIssued, (await chargers.IdentityAsync(owner, evse, Ct))!.Kind);
    }

    [Fact]
    public async Task An_imported_manufacturer_certificate_is_accepted_and_kept_through_unbind_and_bind()
    {
        var (chargers, owner, evse, server) = await ChargerAsync("Imported");
        var device = Certificates.IssueDevice(portal.MakerCa, "Maker EVSE 1", Now.AddDays(-1), TimeSpan.FromDays(30));

        Assert.Null(await chargers.ImportPkcs12Async(owner, evse, device.Export(X509ContentType.Pkcs12, "factory"), "factory", Ct));
        var view = (await chargers.IdentityAsync(owner, evse, Ct))!;
        Assert.Equal(DeviceIdentityKind.Imported, view.Kind);
        Assert.Equal(DeviceIdentity.FromCertificate(device.RawData), view.Identity); // shown before binding

        var bound = Assert.Single(await chargers.BindAsync(owner, [evse], server, "111115", Ct));
        Assert.Equal(GridIntegration.Integrated, bound.Outcome.Rules!.Integration);
        Assert.Contains(portal.Services.GetRequiredService<SandboxState>().Devices(), d => DeviceIdentity.SameLfdi(d.Lfdi, view.Identity!.Lfdi));

        await chargers.UnbindAsync(owner, [evse], Ct);
        Assert.Equal(view.Identity, (await chargers.IdentityAsync(owner, evse, Ct))!.Identity);
        var again = Assert.Single(await chargers.BindAsync(owner, [evse], server, "111115", Ct));
        Assert.Equal(GridIntegration.Integrated, again.Outcome.Rules!.Integration);
        Assert.Equal(view.Identity!.Sfdi, again.Outcome.Rules.Sfdi);
    }

    [Fact]
    public async Task A_certificate_signed_from_the_portals_request_is_accepted_and_the_key_never_leaves_protected()
    {
        var (chargers, owner, evse, server) = await ChargerAsync("Enrolled");

        var request = (await chargers.CreateRequestAsync(owner, evse, Ct))!;
        Assert.StartsWith("-----BEGIN CERTIFICATE REQUEST-----", request, StringComparison.Ordinal);
        var signed = Sign(request, portal.MakerCa);
        Assert.Null(await chargers.AcceptSignedAsync(owner, evse, signed.ExportCertificatePem(), Ct));

        var bound = Assert.Single(await chargers.BindAsync(owner, [evse], server, "111115", Ct));
        Assert.Equal(GridIntegration.Integrated, bound.Outcome.Rules!.Integration);
        await using var scope = portal.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<GridDbContext>().DeviceCredentials.AsNoTracking().SingleAsync(c => c.EvseId == evse, Ct);
        Assert.Equal(DeviceIdentityKind.Enrolled, stored.Kind);
        Assert.Null(stored.ProtectedRequestKey);
        Assert.ThrowsAny<CryptographicException>(() => X509CertificateLoader.LoadPkcs12(stored.ProtectedCertificate!, null)); // protected, not a plain PKCS#12
    }

    [Fact]
    public async Task The_signed_certificate_of_another_request_and_a_certificate_already_in_use_are_refused()
    {
        var (chargers, owner, evse, _) = await ChargerAsync("Refusals");
        await chargers.CreateRequestAsync(owner, evse, Ct);
        var (otherKey, otherRequest) = DeviceCertificates.CreateRequest("someone else");
        otherKey.Dispose();

        Assert.Contains("not issued for this charger's request", await chargers.AcceptSignedAsync(owner, evse, Sign(otherRequest, portal.MakerCa).ExportCertificatePem(), Ct), StringComparison.Ordinal);

        var (_, _, second, _) = await ChargerAsync("Second");
        var shared = Certificates.IssueDevice(portal.MakerCa, "shared", Now.AddDays(-1), TimeSpan.FromDays(30)).Export(X509ContentType.Pkcs12, "p");
        Assert.Null(await chargers.ImportPkcs12Async(owner, evse, shared, "p", Ct));
        Assert.Equal("This certificate is already the identity of another charger: each charger needs its own.", await chargers.ImportPkcs12Async(owner, second, shared, "p", Ct));
    }

    [Fact]
    public async Task An_identity_in_use_cannot_be_forgotten_until_the_charger_is_unbound()
    {
        var (chargers, owner, evse, server) = await ChargerAsync("Forget");
        var device = Certificates.IssueDevice(portal.MakerCa, "forget", Now.AddDays(-1), TimeSpan.FromDays(30));
        await chargers.ImportPkcs12Async(owner, evse, device.Export(X509ContentType.Pkcs12, "p"), "p", Ct);
        await chargers.BindAsync(owner, [evse], server, "111115", Ct);

        Assert.Equal("Unbind the charger first: its identity is in use with the grid server.", await chargers.ForgetIdentityAsync(owner, evse, Ct));

        await chargers.UnbindAsync(owner, [evse], Ct);
        Assert.Null(await chargers.ForgetIdentityAsync(owner, evse, Ct));
        Assert.Equal(DeviceIdentityKind.None, (await chargers.IdentityAsync(owner, evse, Ct))!.Kind);
    }

    [Fact]
    public async Task Binding_without_the_pin_the_utility_requires_says_where_to_find_it_and_stores_nothing()
    {
        var (chargers, owner, evse, server) = await ChargerAsync("No PIN");

        var result = Assert.Single(await chargers.BindAsync(owner, [evse], server, null, Ct));

        Assert.Equal("Sandbox Utility (demo) gives each charger a six-digit registration PIN: enter it to bind. The sandbox utility gives every charger the PIN 111115 (demo).", result.Outcome.Error);
        await using var scope = portal.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<GridDbContext>().GridBindings.AnyAsync(b => b.EvseId == evse, Ct));
    }

    [Fact]
    public async Task Another_owner_can_neither_see_nor_change_nor_test_the_identity()
    {
        var (chargers, _, evse, server) = await ChargerAsync("Private");
        var stranger = (await Users().FindByEmailAsync(DemoAccounts.Owner.Email))!.Id;

        Assert.Null(await chargers.IdentityAsync(stranger, evse, Ct));
        Assert.Null(await chargers.CreateRequestAsync(stranger, evse, Ct));
        Assert.Equal(ChargerGridSwitch.NotYours, await chargers.ImportPkcs12Async(stranger, evse, [1, 2, 3], null, Ct));
        Assert.Equal(ChargerGridSwitch.NotYours, await chargers.ForgetIdentityAsync(stranger, evse, Ct));
        Assert.Equal(ChargerGridSwitch.NotYours, await chargers.ProbeAsync(stranger, evse, server, Ct));
    }

    [Fact]
    public async Task Check_as_a_chosen_evse_names_the_identity_and_whether_the_server_knows_it()
    {
        var (chargers, owner, evse, server) = await ChargerAsync("Check");
        var device = Certificates.IssueDevice(portal.MakerCa, "check", Now.AddDays(-1), TimeSpan.FromDays(30));
        await chargers.ImportPkcs12Async(owner, evse, device.Export(X509ContentType.Pkcs12, "p"), "p", Ct);
        var identity = DeviceIdentity.FromCertificate(device.RawData);
        await using var scope = portal.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<ApprovedServerAdministration>();

        var before = await admin.CheckAsync(server, Ct, evse);
        await chargers.BindAsync(owner, [evse], server, "111115", Ct);
        var after = await admin.CheckAsync(server, Ct, evse);
        var throwaway = await admin.CheckAsync(server, Ct);

        Assert.StartsWith($"OK as the charger's identity (LFDI {identity.Lfdi}, SFDI {identity.SfdiDisplay})", before, StringComparison.Ordinal);
        Assert.EndsWith("The server does not list this device yet; binding registers it (or the utility enrols it by its LFDI).", before, StringComparison.Ordinal);
        Assert.EndsWith("The server lists this device among its EndDevices.", after, StringComparison.Ordinal);
        Assert.StartsWith("server unreachable as a throwaway device from the portal's device CA (SFDI ", throwaway, StringComparison.Ordinal);
        Assert.Contains("does not accept this device's certificate", throwaway, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_answers_unknown_ca_in_the_handshake_is_named_so_with_the_identity_presented()
    {
        // An independent TLS server (OpenSSL's own) that requires a client certificate from a CA it knows, and says "unknown CA" otherwise.
        var utilityCa = Certificates.CreateAuthority("Other utility CA", Now.AddDays(-1), TimeSpan.FromDays(30));
        var serverCertificate = Certificates.IssueServer(utilityCa, "localhost", Now.AddDays(-1), TimeSpan.FromDays(30));
        var enrolledCa = Certificates.CreateAuthority("The only CA it enrolled", Now.AddDays(-1), TimeSpan.FromDays(30));
        using var openssl = OpenSslServer.Start(serverCertificate, enrolledCa);
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var other = new ApprovedServer { Name = $"OpenSSL {Guid.NewGuid():N}", UtilityName = "Other utility", DeviceCapabilityUrl = $"https://localhost:{openssl.Port}/dcap", TrustAnchorPem = utilityCa.ExportCertificatePem() };
        db.ApprovedServers.Add(other);
        await db.SaveChangesAsync(Ct);

        var result = await scope.ServiceProvider.GetRequiredService<ApprovedServerAdministration>().CheckAsync(other.Id, Ct);

        Assert.StartsWith("TLS handshake failed as a throwaway device from the portal's device CA (SFDI ", result, StringComparison.Ordinal);
        Assert.Contains("the server does not trust the CA that issued this device's certificate (TLS alert \"unknown CA\")", result, StringComparison.Ordinal);
    }

    private static X509Certificate2 Sign(string requestPem, X509Certificate2 ca)
    {
        var request = CertificateRequest.LoadSigningRequestPem(requestPem, HashAlgorithmName.SHA256);
        var device = new CertificateRequest(request.SubjectName, request.PublicKey, HashAlgorithmName.SHA256);
        device.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        device.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        return device.Create(ca, Now.AddDays(-1), Now.AddDays(20), RandomNumberGenerator.GetBytes(8));
    }

    private UserManager<PortalUser> Users() => portal.Services.CreateScope().ServiceProvider.GetRequiredService<UserManager<PortalUser>>();

    /// <summary>A new charger at the fleet manager's depot, with the sandbox as the one server.</summary>
    private async Task<(ChargerGridSwitch Chargers, string Owner, Guid Evse, Guid Server)> ChargerAsync(string name)
    {
        var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var owner = (await sp.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(DemoAccounts.Fleet.Email))!.Id;
        var db = sp.GetRequiredService<PortalDbContext>();
        var site = await db.Sites.FirstAsync(s => s.OwnerId == owner, Ct);
        var evse = new Kitu.V2X.Portal.Domain.ConsumerSupport.Evse { SiteId = site.Id, Name = $"{name} {Guid.NewGuid():N}"[..30], Current = Kitu.V2X.Portal.Domain.ConsumerSupport.CurrentType.Dc, RatedChargeKw = 11, RatedDischargeKw = 11 };
        db.Evses.Add(evse);
        await db.SaveChangesAsync(Ct);
        var chargers = sp.GetRequiredService<ChargerGridSwitch>();
        return (chargers, owner, evse.Id, (await chargers.ServersAsync(Ct)).Single(s => s.Name == "Sandbox Utility").Id);
    }

    /// <summary>The demo portal whose sandbox utility enrolled only a charger maker's CA — not the portal's.</summary>
    public sealed class Portal : PortalFactory, IAsyncLifetime
    {
        public X509Certificate2 MakerCa { get; } = Certificates.CreateAuthority("Charger maker CA", Now.AddDays(-1), TimeSpan.FromDays(30));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Sandbox:TrustPortalDeviceCa", "false");
        }

        public ValueTask InitializeAsync()
        {
            var trust = Services.GetRequiredService<SandboxHost>().Trust;
            foreach (var ca in trust.Authorities)
            {
                trust.Remove(ca.Thumbprint); // not even the sandbox's own enrolment CA
            }

            trust.Enrol(MakerCa);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary><c>openssl s_server</c> with TLS 1.2, ECDHE-ECDSA-AES128-CCM8 and a required client certificate from one CA.</summary>
    private sealed class OpenSslServer : IDisposable
    {
        private readonly Process process;
        private readonly string directory;

        private OpenSslServer(Process process, string directory, int port)
        {
            this.process = process;
            this.directory = directory;
            Port = port;
        }

        public int Port { get; }

        public static OpenSslServer Start(X509Certificate2 server, X509Certificate2 clientCa)
        {
            var directory = Directory.CreateTempSubdirectory("kitu-openssl-").FullName;
            File.WriteAllText(Path.Combine(directory, "server.pem"), server.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "server.key"), server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(Path.Combine(directory, "ca.pem"), clientCa.ExportCertificatePem());
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var start = new ProcessStartInfo("openssl", $"s_server -quiet -accept 127.0.0.1:{port} -tls1_2 -cipher ECDHE-ECDSA-AES128-CCM8 -Verify 1 -verify_return_error -CAfile ca.pem -cert server.pem -key server.key -www")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            var process = Process.Start(start)!;
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                try
                {
                    using var client = new System.Net.Sockets.TcpClient();
                    client.Connect(System.Net.IPAddress.Loopback, port);
                    return new OpenSslServer(process, directory, port);
                }
                catch (System.Net.Sockets.SocketException)
                {
                    Thread.Sleep(100);
                }
            }

            process.Kill();
            throw new InvalidOperationException("openssl s_server did not start.");
        }

        public void Dispose()
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            Directory.Delete(directory, recursive: true);
        }
    }
}
