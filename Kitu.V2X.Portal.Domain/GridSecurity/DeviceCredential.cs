namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>Where an EVSE's 2030.5 identity comes from.</summary>
public enum DeviceIdentityKind
{
    /// <summary>None yet: binding makes a portal-issued one (or the owner imports or enrols one first).</summary>
    None,

    /// <summary>Issued by the portal's own device CA (a utility enrols that CA).</summary>
    PortalIssued,

    /// <summary>A key made in the portal, its certificate signed by the utility's or manufacturer's CA from a request.</summary>
    Enrolled,

    /// <summary>The manufacturer's certificate and key, imported by the owner.</summary>
    Imported,

    /// <summary>The EVSE runs its own 2030.5 client with its own key; the portal knows only its LFDI and SFDI.</summary>
    EvseResident,
}

/// <summary>
/// One EVSE's 2030.5 device identity, kept apart from its binding so that unbinding does not lose an identity a
/// utility has enrolled: the certificate with its private key (PKCS#12, protected by the host's data protection; none
/// for an EVSE-resident client), the intermediates that came with it, the LFDI/SFDI derived from it, and an open
/// certificate signing request (its key protected) while a CA signs it. Keys never leave this record unprotected.
/// </summary>
public sealed class DeviceCredential
{
    public Guid EvseId { get; set; }

    public DeviceIdentityKind Kind { get; set; }

    /// <summary>The LFDI of the identity in use (40 hex digits); empty while there is none.</summary>
    public string Lfdi { get; set; } = "";

    public ulong Sfdi { get; set; }

    /// <summary>The device certificate with its key as PKCS#12, protected; null for an EVSE-resident client.</summary>
    public byte[]? ProtectedCertificate { get; set; }

    /// <summary>Intermediate CA certificates (PEM, public) sent along in the TLS handshake.</summary>
    public string? ChainPem { get; set; }

    public string? Subject { get; set; }

    public string? Issuer { get; set; }

    public DateTimeOffset? NotAfter { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The private key (PKCS#8, protected) of an open certificate signing request.</summary>
    public byte[]? ProtectedRequestKey { get; set; }

    /// <summary>The open certificate signing request (PEM, public), for the owner to send to a CA.</summary>
    public string? RequestPem { get; set; }

    public DateTimeOffset? RequestedAt { get; set; }

    public DeviceIdentity? Identity => Kind == DeviceIdentityKind.None || Lfdi.Length == 0 ? null : new(Lfdi, Sfdi);

    /// <summary>Whether the portal holds a key to run a session with (any kind but none and EVSE-resident).</summary>
    public bool HoldsKey => ProtectedCertificate is not null && Kind is DeviceIdentityKind.PortalIssued or DeviceIdentityKind.Enrolled or DeviceIdentityKind.Imported;
}
