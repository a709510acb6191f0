using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Grid;

/// <summary>What the owner sees of an EVSE's 2030.5 identity: never a key.</summary>
public sealed record IdentityView(
    Guid EvseId,
    DeviceIdentityKind Kind,
    DeviceIdentity? Identity,
    string? Subject,
    string? Issuer,
    DateTimeOffset? NotAfter,
    bool HasChain,
    bool RequestOpen,
    DateTimeOffset? RequestedAt,
    bool Bound)
{
    /// <summary>The kind in the owner's words.</summary>
    public string KindText => Kind switch
    {
        DeviceIdentityKind.PortalIssued => "Certificate from the portal's device CA",
        DeviceIdentityKind.Enrolled => "Certificate signed by your utility's or manufacturer's CA from this charger's request",
        DeviceIdentityKind.Imported => "The manufacturer's certificate, imported",
        DeviceIdentityKind.EvseResident => "The charger's own 2030.5 client and certificate (its key never leaves the charger)",
        _ => "None yet: binding makes one from the portal's device CA, unless you import one or request one first",
    };
}

/// <summary>
/// Each EVSE's 2030.5 identity, by EVSE id only (the caller has checked the user owns the EVSE): a certificate from
/// the portal's device CA; the manufacturer's certificate and key, imported; a key made here with a certificate
/// signing request for the utility's or manufacturer's CA and the signed certificate taken back; or, for an EVSE that
/// runs its own client, the LFDI and SFDI it declares. Identities outlive bindings (unbind keeps them; only "forget"
/// deletes one). Keys are protected at rest and never returned.
/// </summary>
public sealed class DeviceIdentities(GridDbContext db, DeviceCertificateAuthority authority, ProtectedFiles files, GridClientWorker worker, TimeProvider time)
{
    public async Task<IdentityView> ViewAsync(Guid evseId, CancellationToken cancellationToken)
    {
        var credential = await db.DeviceCredentials.AsNoTracking().SingleOrDefaultAsync(c => c.EvseId == evseId, cancellationToken);
        var bound = await db.GridBindings.AnyAsync(b => b.EvseId == evseId, cancellationToken);
        return credential is null
            ? new IdentityView(evseId, DeviceIdentityKind.None, null, null, null, null, false, false, null, bound)
            : new IdentityView(evseId, credential.Kind, credential.Identity, credential.Subject, credential.Issuer, credential.NotAfter, credential.ChainPem is not null, credential.RequestPem is not null, credential.RequestedAt, bound);
    }

    /// <summary>The identity an EVSE would bind with: its own, or a new one from the portal's device CA.</summary>
    public async Task<DeviceCredential> ForBindingAsync(Guid evseId, CancellationToken cancellationToken)
    {
        var credential = await db.DeviceCredentials.SingleOrDefaultAsync(c => c.EvseId == evseId, cancellationToken);
        if (credential is { Kind: not DeviceIdentityKind.None })
        {
            return credential;
        }

        var (certificate, protectedCertificate) = authority.IssueDevice();
        credential ??= Add(evseId);
        Use(credential, DeviceIdentityKind.PortalIssued, certificate, protectedCertificate, null);
        await db.SaveChangesAsync(cancellationToken);
        return credential;
    }

    public async Task<string?> ImportPkcs12Async(Guid evseId, byte[] file, string? password, CancellationToken cancellationToken) =>
        await TakeAsync(evseId, DeviceIdentityKind.Imported, DeviceCertificates.ImportPkcs12(file, password, time.GetUtcNow()), clearRequest: false, cancellationToken);

    public async Task<string?> ImportPemAsync(Guid evseId, string certificatePem, string keyPem, string? password, CancellationToken cancellationToken) =>
        await TakeAsync(evseId, DeviceIdentityKind.Imported, DeviceCertificates.ImportPem(certificatePem, keyPem, password, time.GetUtcNow()), clearRequest: false, cancellationToken);

    /// <summary>A new key and its certificate signing request (PEM); the identity in use stays until the signed certificate comes back.</summary>
    public async Task<string> CreateRequestAsync(Guid evseId, CancellationToken cancellationToken)
    {
        var credential = await db.DeviceCredentials.SingleOrDefaultAsync(c => c.EvseId == evseId, cancellationToken) ?? Add(evseId);
        if (credential.Kind == DeviceIdentityKind.EvseResident)
        {
            throw new InvalidOperationException("The charger runs its own 2030.5 client: it makes its own requests.");
        }

        // No personal data in the subject: a CA sees only that this is an EVSE and a random serial.
        var (key, pem) = DeviceCertificates.CreateRequest($"EVSE {Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}");
        using (key)
        {
            credential.ProtectedRequestKey = files.Protect(key.ExportPkcs8PrivateKey());
        }

        credential.RequestPem = pem;
        credential.RequestedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return pem;
    }

    /// <summary>The open request (PEM), or null.</summary>
    public async Task<string?> RequestPemAsync(Guid evseId, CancellationToken cancellationToken) =>
        await db.DeviceCredentials.AsNoTracking().Where(c => c.EvseId == evseId).Select(c => c.RequestPem).SingleOrDefaultAsync(cancellationToken);

    /// <summary>Takes the certificate a CA signed from the open request; it becomes the identity in use.</summary>
    public async Task<string?> AcceptSignedAsync(Guid evseId, string signedPem, CancellationToken cancellationToken)
    {
        var credential = await db.DeviceCredentials.AsNoTracking().SingleOrDefaultAsync(c => c.EvseId == evseId, cancellationToken);
        if (credential?.ProtectedRequestKey is not { } protectedKey)
        {
            return "There is no open request for this charger: create one, have it signed, then upload the certificate.";
        }

        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(files.Unprotect(protectedKey), out _);
        return await TakeAsync(evseId, DeviceIdentityKind.Enrolled, DeviceCertificates.AcceptSigned(signedPem, key, time.GetUtcNow()), clearRequest: true, cancellationToken);
    }

    /// <summary>Deletes the identity (and any open request). Refused while the EVSE is bound.</summary>
    public async Task<string?> ForgetAsync(Guid evseId, CancellationToken cancellationToken)
    {
        if (await db.GridBindings.AnyAsync(b => b.EvseId == evseId, cancellationToken))
        {
            return "Unbind the charger first: its identity is in use with the grid server.";
        }

        await db.DeviceCredentials.Where(c => c.EvseId == evseId).ExecuteDeleteAsync(cancellationToken);
        db.Forget<DeviceCredential>(c => c.EvseId == evseId);
        return null;
    }

    /// <summary>
    /// An EVSE declared on its link that it runs its own 2030.5 client with this identity. Recorded as its identity
    /// (replacing one the portal held: the charger's own wins); a bound EVSE whose declared identity changed is re-bound as resident.
    /// </summary>
    public async Task<string?> DeclareResidentAsync(Guid evseId, string lfdi, ulong sfdi, CancellationToken cancellationToken)
    {
        if (lfdi is not { Length: 40 } || !lfdi.All(Uri.IsHexDigit) || SfdiOf(lfdi) != sfdi)
        {
            return "The LFDI must be 40 hex digits and the SFDI the one derived from it (IEEE 2030.5 §6.3.4).";
        }

        if (await db.DeviceCredentials.AnyAsync(c => c.EvseId != evseId && c.Lfdi == lfdi.ToUpperInvariant(), cancellationToken))
        {
            return "Another charger already uses this 2030.5 identity (LFDI).";
        }

        var credential = await db.DeviceCredentials.SingleOrDefaultAsync(c => c.EvseId == evseId, cancellationToken) ?? Add(evseId);
        if (credential.Kind == DeviceIdentityKind.EvseResident && DeviceIdentity.SameLfdi(credential.Lfdi, lfdi))
        {
            return null; // as it said before
        }

        credential.Kind = DeviceIdentityKind.EvseResident;
        credential.Lfdi = lfdi.ToUpperInvariant();
        credential.Sfdi = sfdi;
        credential.ProtectedCertificate = null;
        credential.ChainPem = null;
        credential.Subject = null;
        credential.Issuer = null;
        credential.NotAfter = null;
        credential.ProtectedRequestKey = null;
        credential.RequestPem = null;
        credential.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await RebindAsync(credential, GridClientLocation.Evse, cancellationToken);
        return null;
    }

    /// <summary>The certificate (with its key and intermediates) an EVSE's identity holds, for a check; null when the portal holds none.</summary>
    public async Task<(X509Certificate2 Certificate, X509Certificate2Collection? Chain, DeviceIdentity Identity)?> OpenAsync(Guid evseId, CancellationToken cancellationToken)
    {
        var credential = await db.DeviceCredentials.AsNoTracking().SingleOrDefaultAsync(c => c.EvseId == evseId, cancellationToken);
        if (credential is not { HoldsKey: true })
        {
            return null;
        }

        var chain = credential.ChainPem is { Length: > 0 } pem ? Domain.GridSecurity.Ieee2030_5.Client.SepTls.ParseTrustAnchors(pem) : null;
        return (authority.Open(credential.ProtectedCertificate!), chain, credential.Identity!);
    }

    /// <summary>Identities the portal holds a key for, for the grid admin's check (grid data only: id, SFDI, LFDI).</summary>
    public async Task<IReadOnlyList<(Guid EvseId, DeviceIdentity Identity, DeviceIdentityKind Kind)>> HeldAsync(CancellationToken cancellationToken)
    {
        var rows = await db.DeviceCredentials.AsNoTracking()
            .Where(c => c.ProtectedCertificate != null && c.Lfdi != "")
            .OrderBy(c => c.Lfdi).Take(500).ToListAsync(cancellationToken);
        return rows.OrderBy(c => c.Sfdi).Select(c => (c.EvseId, c.Identity!, c.Kind)).ToList();
    }

    /// <summary>The SFDI derived from an LFDI: its first 36 bits with a check digit.</summary>
    public static ulong SfdiOf(string lfdi)
    {
        var first36Bits = Convert.ToUInt64(lfdi[..9], 16);
        return (first36Bits * 10) + DeviceIdentity.CheckDigit(first36Bits);
    }

    private async Task<string?> TakeAsync(Guid evseId, DeviceIdentityKind kind, DeviceCertificateResult result, bool clearRequest, CancellationToken cancellationToken)
    {
        if (result.Accepted is not { } accepted)
        {
            return result.Error;
        }

        using var certificate = accepted.Certificate;
        var identity = accepted.Identity;
        if (await db.DeviceCredentials.AnyAsync(c => c.EvseId != evseId && c.Lfdi == identity.Lfdi, cancellationToken))
        {
            return "This certificate is already the identity of another charger: each charger needs its own.";
        }

        var credential = await db.DeviceCredentials.SingleOrDefaultAsync(c => c.EvseId == evseId, cancellationToken) ?? Add(evseId);
        if (credential.Kind == DeviceIdentityKind.EvseResident)
        {
            return "The charger runs its own 2030.5 client with its own certificate; the portal does not hold one for it.";
        }

        Use(credential, kind, certificate, files.Protect(Certificates.ExportWithKey(certificate)), accepted.ChainPem);
        if (clearRequest)
        {
            credential.ProtectedRequestKey = null;
            credential.RequestPem = null;
            credential.RequestedAt = null;
        }

        await db.SaveChangesAsync(cancellationToken);
        await RebindAsync(credential, GridClientLocation.Portal, cancellationToken);
        return null;
    }

    private DeviceCredential Add(Guid evseId)
    {
        var credential = new DeviceCredential { EvseId = evseId, UpdatedAt = time.GetUtcNow() };
        db.DeviceCredentials.Add(credential);
        return credential;
    }

    private void Use(DeviceCredential credential, DeviceIdentityKind kind, X509Certificate2 certificate, byte[] protectedCertificate, string? chainPem)
    {
        var identity = DeviceIdentity.FromCertificate(certificate.RawData);
        credential.Kind = kind;
        credential.Lfdi = identity.Lfdi;
        credential.Sfdi = identity.Sfdi;
        credential.ProtectedCertificate = protectedCertificate;
        credential.ChainPem = chainPem;
        credential.Subject = Trim(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        credential.Issuer = Trim(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: true));
        credential.NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        credential.UpdatedAt = time.GetUtcNow();
    }

    /// <summary>A bound EVSE whose identity changed goes on with the new one: its session (or its own client) starts again.</summary>
    private async Task RebindAsync(DeviceCredential credential, GridClientLocation location, CancellationToken cancellationToken)
    {
        var binding = await db.GridBindings.SingleOrDefaultAsync(b => b.EvseId == credential.EvseId, cancellationToken);
        if (binding is null)
        {
            return;
        }

        binding.Lfdi = credential.Lfdi;
        binding.Sfdi = credential.Sfdi;
        binding.ClientLocation = location;
        binding.LastIntegration = GridIntegration.RulesMissing;
        await db.SaveChangesAsync(cancellationToken);
        var server = await db.ApprovedServers.AsNoTracking().SingleAsync(s => s.Id == binding.ServerId, cancellationToken);
        worker.Start(binding, server, credential);
    }

    private static string Trim(string text) => text.Length > 300 ? text[..300] : text;
}
