using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Sandbox;

/// <summary>
/// The device CAs the sandbox utility has enrolled: a device certificate is accepted in the TLS handshake only when it
/// chains to one of them — as a utility's server trusts only the CAs it enrolled (the portal's device CA, a charger
/// maker's, its own). Enrolments change at run time (the grid admin's sandbox page, the demo's charger maker).
/// </summary>
public sealed class SandboxTrust
{
    private readonly Lock gate = new();
    private readonly List<X509Certificate2> authorities = [];

    public SandboxTrust(IEnumerable<X509Certificate2>? enrolled = null)
    {
        foreach (var ca in enrolled ?? [])
        {
            Enrol(ca);
        }
    }

    /// <summary>Enrolled CAs, newest last.</summary>
    public IReadOnlyList<X509Certificate2> Authorities
    {
        get
        {
            lock (gate)
            {
                return [.. authorities];
            }
        }
    }

    /// <summary>Enrols a CA certificate (public only); false when it is already enrolled.</summary>
    public bool Enrol(X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        lock (gate)
        {
            if (authorities.Any(a => a.Thumbprint == authority.Thumbprint))
            {
                return false;
            }

            authorities.Add(X509CertificateLoader.LoadCertificate(authority.RawData)); // never the key
            return true;
        }
    }

    /// <summary>Enrols the CA certificates of a PEM bundle; returns an error in plain words or null.</summary>
    public string? Enrol(string pem)
    {
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPem(pem ?? "");
        }
        catch (CryptographicException)
        {
            return "That is not a PEM certificate (expected -----BEGIN CERTIFICATE-----).";
        }

        if (bundle.Count == 0)
        {
            return "That is not a PEM certificate (expected -----BEGIN CERTIFICATE-----).";
        }

        if (bundle.Any(c => c.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true }))
        {
            return "Only CA certificates can be enrolled (a device certificate is not one).";
        }

        foreach (var ca in bundle)
        {
            Enrol(ca);
        }

        return null;
    }

    public bool Remove(string thumbprint)
    {
        lock (gate)
        {
            return authorities.RemoveAll(a => a.Thumbprint == thumbprint) > 0;
        }
    }

    /// <summary>Whether a device certificate chains to an enrolled CA.</summary>
    public bool Accepts(X509Certificate2 certificate)
    {
        var roots = Authorities;
        if (roots.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}

/// <summary>
/// The sandbox utility's own device CA: signs a charger's certificate signing request, as a utility enrolling a device
/// does — so the owner's "request a certificate from your utility" flow runs end to end in the demo.
/// </summary>
public sealed class SandboxEnrolment(X509Certificate2 authority, TimeProvider time)
{
    public X509Certificate2 Authority => authority;

    /// <summary>Signs a PEM certificate signing request for a device (P-256, TLS client); the signed certificate in PEM, or an error.</summary>
    public (string? CertificatePem, string? Error) Sign(string requestPem)
    {
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(requestPem ?? "", HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return (null, "That is not a certificate signing request in PEM (expected -----BEGIN CERTIFICATE REQUEST-----), or its signature does not verify.");
        }

        if (request.PublicKey.Oid.Value != "1.2.840.10045.2.1")
        {
            return (null, "The request's key is not ECDSA; 2030.5 devices use ECDSA on P-256.");
        }

        var device = new CertificateRequest(request.SubjectName, request.PublicKey, HashAlgorithmName.SHA256);
        device.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        device.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        device.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var from = time.GetUtcNow().AddMinutes(-5);
        var until = from.AddYears(3) < authority.NotAfter ? from.AddYears(3) : new DateTimeOffset(authority.NotAfter.ToUniversalTime());
        using var signed = device.Create(authority, from, until, RandomNumberGenerator.GetBytes(16));
        return (signed.ExportCertificatePem(), null);
    }

    /// <summary>A new CA for a sandbox utility's device enrolments.</summary>
    public static X509Certificate2 CreateAuthority(DateTimeOffset from) =>
        Certificates.CreateAuthority("Sandbox Utility Device Enrolment CA", from, TimeSpan.FromDays(3650));
}
