using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// The portal's device CA: issues each bound EVSE its own P-256 TLS client certificate (its 2030.5 identity).
/// The CA key lives protected in the data directory (one instance, SQLite) or in the grid store (PostgreSQL: shared by
/// every instance); device keys are protected in the grid store.
/// </summary>
public sealed class DeviceCertificateAuthority(ProtectedFiles files, TimeProvider time)
{
    private readonly Lazy<X509Certificate2> authority = new(() => Certificates.ImportWithKey(files.LoadOrCreate("device-ca", () =>
        Certificates.ExportWithKey(Certificates.CreateAuthority("Kitu V2X Portal Device CA", time.GetUtcNow().AddDays(-1), TimeSpan.FromDays(3650))))));

    public X509Certificate2 Certificate => authority.Value;

    /// <summary>The CA certificate in PEM, for a utility to trust the portal's devices.</summary>
    public string Pem => Certificate.ExportCertificatePem();

    /// <summary>A new device certificate, and its protected PKCS#12 for the grid store.</summary>
    public (X509Certificate2 Certificate, byte[] Protected) IssueDevice()
    {
        var device = Certificates.IssueDevice(Certificate, $"Kitu EVSE {Guid.NewGuid():N}", time.GetUtcNow().AddMinutes(-5), TimeSpan.FromDays(3 * 365));
        return (device, files.Protect(Certificates.ExportWithKey(device)));
    }

    public X509Certificate2 Open(byte[] protectedCertificate) => Certificates.ImportWithKey(files.Unprotect(protectedCertificate));
}
