using System.Security.Cryptography.X509Certificates;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>Security profile 3's checks of a station's TLS client certificate (OCPP 2.0.1 part 2, A00.FR.4xx).</summary>
public static class StationCertificates
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>The CA certificates in a PEM file; none when no file is set.</summary>
    public static X509Certificate2Collection LoadAuthorities(string? pemPath)
    {
        var authorities = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(pemPath))
        {
            authorities.ImportFromPemFile(pemPath);
        }

        return authorities;
    }

    /// <summary>
    /// True when the certificate chains to one of <paramref name="authorities"/> (nothing else trusted, no revocation
    /// lists to fetch), is valid at <paramref name="now"/>, allows client authentication (or names no usage) and its
    /// subject CN is the station id.
    /// </summary>
    public static bool Accepts(X509Certificate2 certificate, X509Certificate2Collection authorities, string stationId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authorities);
        if (!string.Equals(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), stationId, StringComparison.Ordinal)
            || now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return false;
        }

        var usage = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (usage is not null && !usage.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == ClientAuthentication))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(certificate);
    }
}
