using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Sandbox;

/// <summary>
/// Starts the sandbox 2030.5 server with the portal (demo mode): its own CA and server certificate (kept protected in
/// the data directory); device CAs it has enrolled — the portal's device CA (unless configured off), its own device
/// enrolment CA that signs chargers' requests, and whatever the grid admin or the demo's charger maker enrols — then
/// records it as the approved server "Sandbox Utility" with its CA pinned, so owners can bind to it at once.
/// </summary>
public sealed class SandboxHost(
    SandboxState state,
    ProtectedFiles files,
    DeviceCertificateAuthority devices,
    IServiceScopeFactory scopes,
    IOptions<SandboxOptions> options,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private SandboxServer? server;

    public SandboxServer? Server => server;

    /// <summary>The device CAs the sandbox utility trusts.</summary>
    public SandboxTrust Trust { get; } = new();

    /// <summary>The sandbox utility's device enrolment CA (signs chargers' requests), once started.</summary>
    public SandboxEnrolment? Enrolment { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var from = time.GetUtcNow().AddDays(-1);
        var ca = Certificates.ImportWithKey(files.LoadOrCreate("sandbox-ca", () =>
            Certificates.ExportWithKey(Certificates.CreateAuthority("Sandbox Utility CA", from, TimeSpan.FromDays(3650)))));
        var tls = Certificates.ImportWithKey(files.LoadOrCreate("sandbox-server", () =>
            Certificates.ExportWithKey(Certificates.IssueServer(ca, "localhost", from, TimeSpan.FromDays(3000)))));
        var enrolment = Certificates.ImportWithKey(files.LoadOrCreate("sandbox-device-enrolment-ca", () =>
            Certificates.ExportWithKey(SandboxEnrolment.CreateAuthority(from))));
        Enrolment = new SandboxEnrolment(enrolment, time);
        Trust.Enrol(enrolment);
        if (o.TrustPortalDeviceCa)
        {
            Trust.Enrol(devices.Certificate);
        }

        server = new SandboxServer(state, tls, Trust, o.Port, loggers);
        await server.StartAsync(cancellationToken);
        await RecordApprovedServerAsync(o, server.DeviceCapabilityUrl!, ca, cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (server is not null)
        {
            await server.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    private async Task RecordApprovedServerAsync(SandboxOptions o, Uri dcap, X509Certificate2 ca, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var approved = await db.ApprovedServers.SingleOrDefaultAsync(s => s.Name == o.ServerName, cancellationToken);
        if (approved is null)
        {
            approved = new ApprovedServer { Name = o.ServerName, UtilityName = o.UtilityName, DeviceCapabilityUrl = "", TrustAnchorPem = "" };
            db.ApprovedServers.Add(approved);
        }

        approved.RegistrationPinHint ??= $"The sandbox utility gives every charger the PIN {o.RegistrationPin} (demo).";

        approved.DeviceCapabilityUrl = dcap.ToString();
        approved.TrustAnchorPem = ca.ExportCertificatePem();
        await db.SaveChangesAsync(cancellationToken);
    }
}
