using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>
/// Signs a station's own certificate signing request (OCPP 2.0.1/2.1 use cases A02/A03: SignCertificate, then
/// CertificateSigned) with the operator's station CA (<see cref="OcppOptions.StationIssuerPath"/>): the request must be
/// signed by its key, name the station as its CN (as profile 3 checks), and carry an RSA key of at least 2048 bits or
/// an EC key on P-256 or P-384. What is signed: that subject and key, client authentication, not a CA.
/// </summary>
public sealed class StationCertificateIssuer(IOptions<OcppOptions> options, TimeProvider time)
{
    /// <summary>The largest PEM request taken (the schema allows 5,500 characters).</summary>
    public const int MaxRequestLength = 5_500;

    private readonly Lazy<X509Certificate2?> issuer = new(() => options.Value.StationIssuerPath is { Length: > 0 } path
        ? X509CertificateLoader.LoadPkcs12FromFile(path, options.Value.StationIssuerPassword, X509KeyStorageFlags.EphemeralKeySet)
        : null);

    /// <summary>Whether the portal signs station certificates at all.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(options.Value.StationIssuerPath);

    /// <summary>
    /// The certificate chain (PEM, the new certificate then its issuer) for a station's request, or the reason it is
    /// refused.
    /// </summary>
    public (string? ChainPem, string? Refusal) Sign(string stationId, string csrPem)
    {
        if (issuer.Value is not { HasPrivateKey: true } ca)
        {
            return (null, "the portal signs no station certificates (no station CA configured)");
        }

        if (string.IsNullOrWhiteSpace(csrPem) || csrPem.Length > MaxRequestLength)
        {
            return (null, "no certificate signing request, or too long");
        }

        CertificateRequest request;
        try
        {
            // The request's own signature is checked here (it proves the station holds the key).
            request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return (null, "the certificate signing request cannot be read, or its signature does not hold");
        }

        var cn = request.SubjectName.EnumerateRelativeDistinguishedNames().Where(n => n.GetSingleElementType().Value == "2.5.4.3").Select(n => n.GetSingleElementValue()).ToList();
        if (cn is not [var name] || !string.Equals(name, stationId, StringComparison.Ordinal))
        {
            return (null, $"the request's CN must be the station id ({stationId})");
        }

        var key = request.PublicKey;
        var strong = key.Oid.Value switch
        {
            "1.2.840.113549.1.1.1" => key.GetRSAPublicKey() is { KeySize: >= 2048 },
            "1.2.840.10045.2.1" => key.GetECDsaPublicKey() is { } ec && ec.ExportParameters(false).Curve.Oid.FriendlyName is "nistP256" or "nistP384" or "ECDSA_P256" or "ECDSA_P384",
            _ => false,
        };
        if (!strong)
        {
            return (null, "the key must be RSA of 2048 bits or more, or EC on P-256 or P-384");
        }

        var isEc = key.Oid.Value == "1.2.840.10045.2.1";
        request.CertificateExtensions.Clear(); // whatever the station asked for, it gets a station certificate
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(isEc ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(key, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var now = time.GetUtcNow();
        var notAfter = now.AddDays(Math.Clamp(options.Value.StationCertificateDays, 1, 3650));
        if (notAfter > ca.NotAfter)
        {
            notAfter = ca.NotAfter; // never outlives its issuer
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var ecKey = ca.GetECDsaPrivateKey();
        using var rsaKey = ecKey is null ? ca.GetRSAPrivateKey() : null;
        var generator = ecKey is not null ? X509SignatureGenerator.CreateForECDsa(ecKey)
            : rsaKey is not null ? X509SignatureGenerator.CreateForRSA(rsaKey, RSASignaturePadding.Pkcs1)
            : throw new InvalidOperationException("The station CA's key is neither EC nor RSA.");
        using var certificate = request.Create(ca.SubjectName, generator, now.AddMinutes(-5), notAfter, serial);
        return (certificate.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n", null);
    }
}
