using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

namespace Kitu.V2X.Portal.Tests.Domain.GridSecurity;

/// <summary>Every way an owner gives a charger a 2030.5 identity, and every refusal in the words the owner reads.</summary>
public sealed class DeviceCertificatesTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly X509Certificate2 MakerCa = Certificates.CreateAuthority("Maker CA", Now.AddDays(-10), TimeSpan.FromDays(100));

    [Fact]
    public void A_pkcs12_with_its_password_is_taken_with_the_lfdi_of_its_certificate()
    {
        var device = Certificates.IssueDevice(MakerCa, "evse", Now.AddDays(-1), TimeSpan.FromDays(30));
        var file = device.Export(X509ContentType.Pkcs12, "s3cret");

        var result = DeviceCertificates.ImportPkcs12(file, "s3cret", Now);

        Assert.Null(result.Error);
        Assert.Equal(DeviceIdentity.FromCertificate(device.RawData), result.Accepted!.Identity);
        Assert.True(result.Accepted.Certificate.HasPrivateKey);
    }

    [Fact]
    public void A_pkcs12_with_the_wrong_password_is_refused_in_plain_words()
    {
        var file = Certificates.IssueDevice(MakerCa, "evse", Now.AddDays(-1), TimeSpan.FromDays(30)).Export(X509ContentType.Pkcs12, "right");

        var result = DeviceCertificates.ImportPkcs12(file, "wrong", Now);

        Assert.Equal("The password does not open this file, or it is not a PKCS#12 (.p12/.pfx) file.", result.Error);
    }

    [Fact]
    public void A_pkcs12_without_a_key_is_refused()
    {
        var publicOnly = X509CertificateLoader.LoadCertificate(Certificates.IssueDevice(MakerCa, "evse", Now.AddDays(-1), TimeSpan.FromDays(30)).RawData);
        var file = new X509Certificate2Collection(publicOnly).Export(X509ContentType.Pkcs12, "p")!;

        var result = DeviceCertificates.ImportPkcs12(file, "p", Now);

        Assert.Contains("no private key", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pem_certificate_with_the_key_of_another_device_is_refused()
    {
        var device = Certificates.IssueDevice(MakerCa, "evse", Now.AddDays(-1), TimeSpan.FromDays(30));
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var result = DeviceCertificates.ImportPem(device.ExportCertificatePem(), other.ExportPkcs8PrivateKeyPem(), null, Now);

        Assert.Equal("The private key does not belong to this certificate: check that both come from the same charger.", result.Error);
    }

    [Fact]
    public void A_pem_pair_with_an_encrypted_key_needs_and_takes_its_password()
    {
        var device = Certificates.IssueDevice(MakerCa, "evse", Now.AddDays(-1), TimeSpan.FromDays(30));
        var key = device.GetECDsaPrivateKey()!.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000));

        Assert.Equal("The private key is encrypted: give its password.", DeviceCertificates.ImportPem(device.ExportCertificatePem(), key, null, Now).Error);
        Assert.Equal("The password does not open the private key.", DeviceCertificates.ImportPem(device.ExportCertificatePem(), key, "nope", Now).Error);
        Assert.Null(DeviceCertificates.ImportPem(device.ExportCertificatePem(), key, "pw", Now).Error);
    }

    [Fact]
    public void An_expired_certificate_is_refused_with_its_date()
    {
        var device = Certificates.IssueDevice(MakerCa, "evse", Now.AddDays(-9), TimeSpan.FromDays(2));

        var result = DeviceCertificates.ImportPkcs12(device.Export(X509ContentType.Pkcs12, "p"), "p", Now);

        Assert.Equal($"The certificate expired on {device.NotAfter.ToUniversalTime():yyyy-MM-dd} (UTC). Ask its issuer for a new one.", result.Error);
    }

    [Fact]
    public void An_rsa_key_is_refused_because_2030_5_needs_p256()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa-evse", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));

        var result = DeviceCertificates.ImportPkcs12(certificate.Export(X509ContentType.Pkcs12, "p"), "p", Now);

        Assert.Equal("The certificate's key is RSA; IEEE 2030.5 needs an ECDSA key on curve P-256 (secp256r1).", result.Error);
    }

    [Fact]
    public void A_p384_key_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var certificate = new CertificateRequest("CN=p384-evse", key, HashAlgorithmName.SHA256).CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));

        var result = DeviceCertificates.ImportPkcs12(certificate.Export(X509ContentType.Pkcs12, "p"), "p", Now);

        Assert.StartsWith("The certificate's key is on curve ", result.Error, StringComparison.Ordinal);
        Assert.EndsWith("IEEE 2030.5 needs P-256 (secp256r1).", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ca_certificate_is_not_a_device_certificate()
    {
        var result = DeviceCertificates.ImportPkcs12(MakerCa.Export(X509ContentType.Pkcs12, "p"), "p", Now);

        Assert.Equal("This is a CA certificate, not a device certificate: use the certificate issued to the charger.", result.Error);
    }

    [Fact]
    public void A_certificate_only_for_servers_is_refused_for_want_of_client_authentication()
    {
        var server = Certificates.IssueServer(MakerCa, "localhost", Now.AddDays(-1), TimeSpan.FromDays(30));

        var result = DeviceCertificates.ImportPkcs12(server.Export(X509ContentType.Pkcs12, "p"), "p", Now);

        Assert.Equal("The certificate is not for TLS client authentication (its extended key usage lacks clientAuth).", result.Error);
    }

    [Fact]
    public void A_certificate_that_may_not_sign_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=no-sign", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyAgreement, true));
        using var issued = request.Create(MakerCa, Now.AddDays(-1), Now.AddDays(30), RandomNumberGenerator.GetBytes(8));
        using var agreement = ECDiffieHellman.Create(key.ExportParameters(true)); // a key-agreement-only certificate carries an ECDH key
        using var certificate = issued.CopyWithPrivateKey(agreement);

        var result = DeviceCertificates.ImportPkcs12(certificate.Export(X509ContentType.Pkcs12, "p"), "p", Now);

        Assert.Equal("The certificate may not sign (its key usage lacks digitalSignature), which a TLS client must do.", result.Error);
    }

    [Fact]
    public void A_request_signed_by_a_ca_comes_back_as_the_device_identity_with_its_intermediate()
    {
        var (key, requestPem) = DeviceCertificates.CreateRequest("EVSE 0123");
        using (key)
        {
            var alongside = Certificates.IssueDevice(MakerCa, "alongside", Now, TimeSpan.FromDays(1)); // another certificate in the bundle: kept as part of the chain, not taken as the device
            var signed = Sign(requestPem, MakerCa);

            var result = DeviceCertificates.AcceptSigned(signed.ExportCertificatePem() + "\n" + alongside.ExportCertificatePem(), key, Now);

            Assert.Null(result.Error);
            Assert.Equal(signed.Thumbprint, result.Accepted!.Certificate.Thumbprint);
            Assert.True(result.Accepted.Certificate.HasPrivateKey);
            Assert.Single(result.Accepted.Chain);
            Assert.DoesNotContain("PRIVATE KEY", requestPem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_certificate_signed_for_another_request_is_refused()
    {
        var (key, _) = DeviceCertificates.CreateRequest("EVSE A");
        var (otherKey, otherRequest) = DeviceCertificates.CreateRequest("EVSE B");
        using (key)
        using (otherKey)
        {
            var result = DeviceCertificates.AcceptSigned(Sign(otherRequest, MakerCa).ExportCertificatePem(), key, Now);

            Assert.Equal("This certificate was not issued for this charger's request (its public key differs). Upload the certificate the CA signed from the request downloaded here.", result.Error);
        }
    }

    [Theory]
    [InlineData("error:0A000418:SSL routines::tlsv1 alert unknown ca", "the server does not trust the CA that issued this device's certificate")]
    [InlineData("error:0A000410:SSL routines::sslv3 alert handshake failure", "no common cipher suite")]
    [InlineData("error:0A00010B:SSL routines::wrong version number", "did not answer with TLS at all")]
    public void A_tls_alert_deep_in_the_exception_chain_is_named(string openSsl, string expected)
    {
        var chain = new System.Security.Authentication.AuthenticationException("Authentication failed, see inner exception.", new InvalidOperationException("SSL Handshake failed with OpenSSL error - SSL_ERROR_SSL.", new InvalidOperationException(openSsl)));

        Assert.Contains(expected, TlsFailure.Cause(chain), StringComparison.Ordinal);
        Assert.Equal(openSsl, TlsFailure.Innermost(chain));
    }

    private static X509Certificate2 Sign(string requestPem, X509Certificate2 ca)
    {
        var request = CertificateRequest.LoadSigningRequestPem(requestPem, HashAlgorithmName.SHA256);
        var device = new CertificateRequest(request.SubjectName, request.PublicKey, HashAlgorithmName.SHA256);
        device.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        return device.Create(ca, Now.AddDays(-1), Now.AddDays(30), RandomNumberGenerator.GetBytes(8));
    }
}
