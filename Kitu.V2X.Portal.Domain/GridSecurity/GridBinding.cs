namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>
/// One EVSE bound to an approved 2030.5 server: the EVSE's opaque id, its device certificate (private key
/// protected at rest), its LFDI/SFDI, the registration PIN the utility gave, its rating (the base of percent limits)
/// and the last known status. Nothing here can name a person.
/// </summary>
public sealed class GridBinding
{
    public Guid EvseId { get; set; }

    public Guid ServerId { get; set; }

    public required string Lfdi { get; set; }

    public ulong Sfdi { get; set; }

    /// <summary>The device certificate with its private key, as PKCS#12 protected by the host's data protection.</summary>
    public required byte[] ProtectedCertificate { get; set; }

    public uint? RegistrationPin { get; set; }

    public double RatedChargeW { get; set; }

    public double RatedDischargeW { get; set; }

    public DateTimeOffset BoundAt { get; set; }

    public GridIntegration LastIntegration { get; set; } = GridIntegration.RulesMissing;

    public string? LastDetail { get; set; }

    public DateTimeOffset? LastContact { get; set; }

    public DeviceIdentity Identity => new(Lfdi, Sfdi);
}
