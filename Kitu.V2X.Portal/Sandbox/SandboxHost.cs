using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Sandbox;

/// <summary>
/// Starts the sandbox 2030.5 server with the portal (demo mode): its own CA and server certificate (kept protected in
/// the data directory), trusting the portal's device CA; then records it as the approved server "Sandbox Utility"
/// with that CA pinned, so owners can bind to it at once.
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

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var from = time.GetUtcNow().AddDays(-1);
        var ca = Certificates.ImportWithKey(files.LoadOrCreate("sandbox-ca", () =>
            Certificates.ExportWithKey(Certificates.CreateAuthority("Sandbox Utility CA", from, TimeSpan.FromDays(3650)))));
        var tls = Certificates.ImportWithKey(files.LoadOrCreate("sandbox-server", () =>
            Certificates.ExportWithKey(Certificates.IssueServer(ca, "localhost", from, TimeSpan.FromDays(3000)))));
        server = new SandboxServer(state, tls, [devices.Certificate], o.Port, loggers);
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

        approved.DeviceCapabilityUrl = dcap.ToString();
        approved.TrustAnchorPem = ca.ExportCertificatePem();
        await db.SaveChangesAsync(cancellationToken);
    }
}
