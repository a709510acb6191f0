using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// The maker of the demo's street chargers: a manufacturing CA that gives each of its chargers a certificate at the
/// factory, as the seed paper recommends (§3.2.4.1). Its chargers run their own 2030.5 client with it; the sandbox
/// utility enrols this CA, as a utility enrols the makers it approves. Kept (protected) in the data directory so a
/// charger's identity survives a restart.
/// </summary>
public sealed class DemoChargerMaker(ProtectedFiles files, TimeProvider time)
{
    public const string Name = "Kitu Street Chargers Manufacturing CA";

    private readonly Lazy<X509Certificate2> authority = new(() => Certificates.ImportWithKey(files.LoadOrCreate("demo-charger-maker-ca", () =>
        Certificates.ExportWithKey(Certificates.CreateAuthority(Name, time.GetUtcNow().AddDays(-1), TimeSpan.FromDays(3650))))));

    /// <summary>The manufacturing CA's certificate (public), for a utility to enrol.</summary>
    public X509Certificate2 Authority => X509CertificateLoader.LoadCertificate(authority.Value.RawData);

    /// <summary>The factory certificate (with its key) of one charger.</summary>
    public X509Certificate2 CertificateFor(Guid evseId, string serial) =>
        Certificates.ImportWithKey(files.LoadOrCreate($"demo-charger-{evseId:N}", () =>
            Certificates.ExportWithKey(Certificates.IssueDevice(authority.Value, $"Kitu Street DC 50 {serial}", time.GetUtcNow().AddDays(-1), TimeSpan.FromDays(3650)))));
}
