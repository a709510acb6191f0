using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>
/// TLS as 2030.5 requires: TLS 1.2, <c>TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8</c>, the device's own certificate, and a
/// server certificate that chains to the trust anchor pinned for that approved server (not to the machine's CAs)
/// and names the host. Why a handshake was refused is kept so the status can say it in plain words.
/// </summary>
public sealed class SepTls
{
    private readonly X509Certificate2Collection trustAnchors;
    private readonly TimeProvider time;

    public SepTls(X509Certificate2Collection trustAnchors, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(trustAnchors);
        if (trustAnchors.Count == 0)
        {
            throw new ArgumentException("At least one trust anchor is required.", nameof(trustAnchors));
        }

        this.trustAnchors = trustAnchors;
        this.time = time;
    }

    /// <summary>Why the last server certificate was refused, or null.</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>The cipher suite 2030.5 mandates; null where the platform cannot restrict suites (Windows).</summary>
    public static CipherSuitesPolicy? CipherSuites { get; } = OperatingSystem.IsWindows()
        ? null
        : new CipherSuitesPolicy([TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8]);

    /// <summary>Reads a PEM bundle of one or more CA certificates.</summary>
    public static X509Certificate2Collection ParseTrustAnchors(string pem)
    {
        var anchors = new X509Certificate2Collection();
        try
        {
            anchors.ImportFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new ArgumentException($"The trust anchor is not a valid PEM certificate: {ex.Message}", nameof(pem), ex);
        }

        if (anchors.Count == 0)
        {
            throw new ArgumentException("The trust anchor holds no certificate (expected -----BEGIN CERTIFICATE-----).", nameof(pem));
        }

        return anchors;
    }

    /// <summary>
    /// A handler for one device: its certificate (and the intermediate CAs between it and the CA the server enrolled,
    /// sent along in the handshake), the pinned anchors, connection reuse across polls.
    /// </summary>
    public SocketsHttpHandler CreateHandler(X509Certificate2 deviceCertificate, TimeSpan connectTimeout, TimeSpan idleConnectionTimeout, X509Certificate2Collection? chain = null)
    {
        ArgumentNullException.ThrowIfNull(deviceCertificate);
        var withChain = chain is { Count: > 0 };
        return new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = idleConnectionTimeout,
            MaxConnectionsPerServer = 1,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12,
                CipherSuitesPolicy = CipherSuites,
                ClientCertificates = withChain ? null : [deviceCertificate],
                ClientCertificateContext = withChain ? SslStreamCertificateContext.Create(deviceCertificate, chain, offline: true) : null,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, certificate, presented, errors) => Validate(certificate, presented, errors),
            },
        };
    }

    private bool Validate(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        LastRefusal = Check(certificate, presented, errors);
        return LastRefusal is null;
    }

    private string? Check(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "The server presented no certificate.";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return "The server's certificate is issued for another host name.";
        }

        using var server = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustAnchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(server))
        {
            return null;
        }

        var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return $"The server's certificate ({server.Subject}) does not chain to the trust anchor pinned for this server. {status}".Trim();
    }
}
