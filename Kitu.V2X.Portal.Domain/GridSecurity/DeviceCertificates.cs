using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>A device certificate with its key that passed every check, and the intermediate CAs that came with it.</summary>
public sealed record AcceptedDeviceCertificate(X509Certificate2 Certificate, X509Certificate2Collection Chain)
{
    public DeviceIdentity Identity => DeviceIdentity.FromCertificate(Certificate.RawData);

    /// <summary>The intermediates in PEM (public), or null when none came with it.</summary>
    public string? ChainPem => Chain.Count == 0 ? null : string.Concat(Chain.Select(c => c.ExportCertificatePem() + "\n"));
}

/// <summary>Either an accepted certificate or a sentence saying why not.</summary>
public sealed record DeviceCertificateResult(AcceptedDeviceCertificate? Accepted, string? Error)
{
    public static DeviceCertificateResult Refused(string error) => new(null, error);
}

/// <summary>
/// The ways an EVSE gets a 2030.5 identity other than the portal's own CA — a certificate and key imported from its
/// manufacturer (PKCS#12, or PEM with an optionally encrypted key), or a key made here with a certificate signing
/// request that the utility's or manufacturer's CA signs — and the checks every device certificate must pass: the key
/// belongs to the certificate, ECDSA on P-256, valid now, an end-entity certificate usable for TLS client
/// authentication. Every refusal is a sentence for the site owner; nothing here logs or shows a key.
/// </summary>
public static class DeviceCertificates
{
    /// <summary>The largest file accepted (a device certificate with a few intermediates is a few KiB).</summary>
    public const int MaxFileBytes = 64 * 1024;

    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

    /// <summary>Imports a PKCS#12 (.p12/.pfx) file holding the device certificate, its key and perhaps intermediates.</summary>
    public static DeviceCertificateResult ImportPkcs12(byte[] file, string? password, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length == 0 || file.Length > MaxFileBytes)
        {
            return DeviceCertificateResult.Refused($"Choose a PKCS#12 file of at most {MaxFileBytes / 1024} KiB.");
        }

        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12Collection(file, password, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet, Pkcs12LoaderLimits.Defaults);
        }
        catch (CryptographicException)
        {
            return DeviceCertificateResult.Refused("The password does not open this file, or it is not a PKCS#12 (.p12/.pfx) file.");
        }

        var withKey = all.Where(c => c.HasPrivateKey).ToList();
        if (withKey.Count == 0)
        {
            return DeviceCertificateResult.Refused(all.Count == 0 ? "The file holds no certificate." : "The file holds certificates but no private key; export the device certificate together with its key.");
        }

        if (withKey.Count > 1)
        {
            return DeviceCertificateResult.Refused("The file holds more than one certificate with a key; export only this charger's.");
        }

        var device = withKey[0];
        var chain = new X509Certificate2Collection(all.Where(c => !c.HasPrivateKey && !SelfSigned(c)).ToArray());
        return Accept(device, chain, now);
    }

    /// <summary>
    /// Imports a PEM certificate (the device's first, then any intermediates) and its PEM private key (PKCS#8, SEC1, or
    /// encrypted PKCS#8 with <paramref name="password"/>).
    /// </summary>
    public static DeviceCertificateResult ImportPem(string certificatePem, string keyPem, string? password, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(certificatePem) || certificatePem.Length > MaxFileBytes || string.IsNullOrWhiteSpace(keyPem) || keyPem.Length > MaxFileBytes)
        {
            return DeviceCertificateResult.Refused($"Give both the certificate and its private key in PEM, each at most {MaxFileBytes / 1024} KiB.");
        }

        if (ReadCertificates(certificatePem) is not { Count: > 0 } certificates)
        {
            return DeviceCertificateResult.Refused("The certificate is not PEM (expected -----BEGIN CERTIFICATE-----).");
        }

        using var key = ECDsa.Create();
        try
        {
            if (keyPem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            {
                if (string.IsNullOrEmpty(password))
                {
                    return DeviceCertificateResult.Refused("The private key is encrypted: give its password.");
                }

                key.ImportFromEncryptedPem(keyPem, password);
            }
            else
            {
                key.ImportFromPem(keyPem);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return DeviceCertificateResult.Refused(keyPem.Contains("ENCRYPTED", StringComparison.Ordinal)
                ? "The password does not open the private key."
                : "The private key is not an ECDSA key in PEM (expected -----BEGIN PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----); IEEE 2030.5 devices use ECDSA on P-256.");
        }

        return WithKey(certificates, key, now, "The private key does not belong to this certificate: check that both come from the same charger.");
    }

    /// <summary>A new P-256 key and a certificate signing request (PEM) for a device certificate, to send to a CA.</summary>
    public static (ECDsa Key, string RequestPem) CreateRequest(string commonName)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthOid)], false));
        return (key, request.CreateSigningRequestPem());
    }

    /// <summary>Takes the certificate a CA signed for a request made here (PEM, the device's first, then intermediates).</summary>
    public static DeviceCertificateResult AcceptSigned(string signedPem, ECDsa pendingKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pendingKey);
        if (string.IsNullOrWhiteSpace(signedPem) || signedPem.Length > MaxFileBytes)
        {
            return DeviceCertificateResult.Refused($"Paste or upload the signed certificate in PEM (at most {MaxFileBytes / 1024} KiB).");
        }

        return ReadCertificates(signedPem) is { Count: > 0 } certificates
            ? WithKey(certificates, pendingKey, now, "This certificate was not issued for this charger's request (its public key differs). Upload the certificate the CA signed from the request downloaded here.")
            : DeviceCertificateResult.Refused("The signed certificate is not PEM (expected -----BEGIN CERTIFICATE-----).");
    }

    /// <summary>Why the certificate cannot be a device identity at <paramref name="now"/>, or null when it can.</summary>
    public static string? Check(X509Certificate2 certificate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            return "The certificate came without its private key.";
        }

        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
        {
            return "This is a CA certificate, not a device certificate: use the certificate issued to the charger.";
        }

        // Before the key: a certificate whose key may only agree keys is not an ECDSA certificate at all to .NET.
        if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } usage && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            return "The certificate may not sign (its key usage lacks digitalSignature), which a TLS client must do.";
        }

        using (var key = certificate.GetECDsaPublicKey())
        {
            if (key is null)
            {
                return $"The certificate's key is {certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value}; IEEE 2030.5 needs an ECDSA key on curve P-256 (secp256r1).";
            }

            var curve = key.ExportParameters(false).Curve;
            if (curve.Oid?.Value != P256Oid && curve.Oid?.FriendlyName is not ("nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1"))
            {
                return $"The certificate's key is on curve {curve.Oid?.FriendlyName ?? curve.Oid?.Value ?? "unknown"}; IEEE 2030.5 needs P-256 (secp256r1).";
            }
        }

        if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime())
        {
            return $"The certificate expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd} (UTC). Ask its issuer for a new one.";
        }

        if (now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
        {
            return $"The certificate is valid only from {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} (UTC).";
        }

        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } enhanced
            && !enhanced.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value is ClientAuthOid or AnyExtendedKeyUsageOid))
        {
            return "The certificate is not for TLS client authentication (its extended key usage lacks clientAuth).";
        }

        return null;
    }

    private static DeviceCertificateResult WithKey(X509Certificate2Collection certificates, ECDsa key, DateTimeOffset now, string notTheKey)
    {
        var spki = key.ExportSubjectPublicKeyInfo();
        var device = certificates.FirstOrDefault(c => c.GetECDsaPublicKey() is { } pub && Same(pub, spki));
        if (device is null)
        {
            return certificates[0].GetECDsaPublicKey() is null
                ? DeviceCertificateResult.Refused($"The certificate's key is {certificates[0].PublicKey.Oid.FriendlyName ?? certificates[0].PublicKey.Oid.Value}; IEEE 2030.5 needs an ECDSA key on curve P-256 (secp256r1).")
                : DeviceCertificateResult.Refused(notTheKey);
        }

        X509Certificate2 paired;
        try
        {
            using var withKey = device.CopyWithPrivateKey(key);
            paired = Reload(withKey);
        }
        catch (CryptographicException)
        {
            return DeviceCertificateResult.Refused(notTheKey);
        }

        var chain = new X509Certificate2Collection(certificates.Where(c => !ReferenceEquals(c, device) && !SelfSigned(c)).ToArray());
        return Accept(paired, chain, now);
    }

    private static DeviceCertificateResult Accept(X509Certificate2 device, X509Certificate2Collection chain, DateTimeOffset now) =>
        Check(device, now) is { } error ? DeviceCertificateResult.Refused(error) : new DeviceCertificateResult(new AcceptedDeviceCertificate(device, chain), null);

    private static bool Same(ECDsa publicKey, byte[] spki)
    {
        using (publicKey)
        {
            return publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(spki);
        }
    }

    private static X509Certificate2Collection? ReadCertificates(string pem)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            return null;
        }

        return certificates;
    }

    private static bool SelfSigned(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    // A PKCS#12 round trip gives a certificate whose key SslStream can use on every platform.
    private static X509Certificate2 Reload(X509Certificate2 certificate) => Certificates.ImportWithKey(certificate.Export(X509ContentType.Pkcs12));
}
