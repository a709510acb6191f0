using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>
/// P-256 certificates for the grid layer: a certificate authority, device certificates (TLS client) and server
/// certificates (TLS server), as 2030.5 uses them (ECDSA, SHA-256). Keys are created here and never leave the caller.
/// </summary>
public static class Certificates
{
    public static X509Certificate2 CreateAuthority(string commonName, DateTimeOffset notBefore, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var created = request.CreateSelfSigned(notBefore, notBefore + lifetime);
        return Reload(created);
    }

    /// <summary>A TLS client certificate for one device; its LFDI is the hash of this certificate.</summary>
    public static X509Certificate2 IssueDevice(X509Certificate2 authority, string commonName, DateTimeOffset notBefore, TimeSpan lifetime) =>
        Issue(authority, commonName, notBefore, lifetime, "1.3.6.1.5.5.7.3.2", null);

    /// <summary>A TLS server certificate for the given host names and addresses.</summary>
    public static X509Certificate2 IssueServer(X509Certificate2 authority, string host, DateTimeOffset notBefore, TimeSpan lifetime) =>
        Issue(authority, host, notBefore, lifetime, "1.3.6.1.5.5.7.3.1", host);

    public static byte[] ExportWithKey(X509Certificate2 certificate) => certificate.Export(X509ContentType.Pkcs12);

    public static X509Certificate2 ImportWithKey(byte[] pkcs12) =>
        X509CertificateLoader.LoadPkcs12(pkcs12, null, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);

    private static X509Certificate2 Issue(X509Certificate2 authority, string commonName, DateTimeOffset notBefore, TimeSpan lifetime, string usageOid, string? host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        if (host is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(host);
            if (host == "localhost")
            {
                names.AddIpAddress(IPAddress.Loopback);
                names.AddIpAddress(IPAddress.IPv6Loopback);
            }

            request.CertificateExtensions.Add(names.Build());
        }

        var notAfter = notBefore + lifetime;
        if (notAfter > authority.NotAfter)
        {
            notAfter = authority.NotAfter;
        }

        using var issued = request.Create(authority, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
        using var withKey = issued.CopyWithPrivateKey(key);
        return Reload(withKey);
    }

    // A PKCS#12 round trip gives a certificate whose key SslStream can use on every platform.
    private static X509Certificate2 Reload(X509Certificate2 certificate) => ImportWithKey(certificate.Export(X509ContentType.Pkcs12));
}
